/** ListServiceReservations: the names a service project holds reserved, with their admin accounts. */
import { KeystreamError, resourceByKind } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { MethodHandler } from '../methodHandler.js';

export const listServiceReservations: MethodHandler<'ListServiceReservations'> = async (request, { app }) => {
  const project = request.name ?? '';
  if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
  parseName(resourceByKind('Project'), project);
  const { reservations } = await app.services.state();
  const held = [...reservations.values()].filter((reservation) => reservation.project === project).sort((a, b) => a.service.localeCompare(b.service));
  return { response: { reservations: held.map(({ service, adminAccount }) => ({ service, adminAccount })) } };
};
