/** DeleteServiceReservation: frees a name the project reserved (the admin account stays). */
import { KeystreamError, resourceByKind, type MessageOf } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { CustomMethod } from '../customMethod.js';
import { requireServiceName } from './serviceRegistry.js';

export const deleteServiceReservation: CustomMethod = {
  name: 'DeleteServiceReservation',
  async handle(call, deps) {
    const request = call.request as MessageOf<'DeleteServiceReservationRequest'>;
    const project = request.name ?? '';
    if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
    parseName(resourceByKind('Project'), project);
    await deps.services.deleteReservation(project, requireServiceName(request.service, 'service'), call.actor ?? 'anonymous');
    return { response: {} };
  },
};
