/** DeleteServiceReservation: frees a name the project reserved (the admin account stays). */
import { KeystreamError, resourceByKind } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { MethodHandler } from '../methodHandler.js';
import { requireServiceName } from '../serviceProjects/serviceRegistry.js';

export const deleteServiceReservation: MethodHandler<'DeleteServiceReservation'> = async (request, { app, envelope }) => {
  const project = request.name ?? '';
  if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
  parseName(resourceByKind('Project'), project);
  await app.services.deleteReservation(project, requireServiceName(request.service, 'service'), envelope.actor);
  return { response: {} };
};
