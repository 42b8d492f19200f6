/** ListServiceReservations: the names a service project holds reserved, with their admin accounts. */
import { KeystreamError, resourceByKind, type MessageOf } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { CustomMethod } from '../customMethod.js';

export const listServiceReservations: CustomMethod = {
  name: 'ListServiceReservations',
  async handle(call, deps) {
    const request = call.request as MessageOf<'ListServiceReservationsRequest'>;
    const project = request.name ?? '';
    if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
    parseName(resourceByKind('Project'), project);
    const { reservations } = await deps.services.state();
    const held = [...reservations.values()].filter((reservation) => reservation.project === project).sort((a, b) => a.service.localeCompare(b.service));
    return { response: { reservations: held.map(({ service, adminAccount }) => ({ service, adminAccount })) } };
  },
};
