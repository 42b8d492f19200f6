/** ListProjectServices: the services registered by a service project's admin accounts. */
import { KeystreamError, resourceByKind, type MessageOf } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { CustomMethod } from '../customMethod.js';

export const listProjectServices: CustomMethod = {
  name: 'ListProjectServices',
  async handle(call, deps) {
    const request = call.request as MessageOf<'ListProjectServicesRequest'>;
    const project = request.name ?? '';
    if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
    parseName(resourceByKind('Project'), project);
    const { services } = await deps.services.state();
    const owned = [...services.values()].filter((entry) => entry.project === project).map((entry) => entry.service);
    owned.sort((a, b) => (a['name'] as string).localeCompare(b['name'] as string));
    return { response: { services: owned } };
  },
};
