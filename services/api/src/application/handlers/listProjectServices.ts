/** ListProjectServices: the services registered by a service project's admin accounts. */
import { KeystreamError, resourceByKind } from '@keystream/api';
import { parseName } from '@keystream/resource';
import type { MethodHandler } from '../methodHandler.js';

export const listProjectServices: MethodHandler<'ListProjectServices'> = async (request, { app }) => {
  const project = request.name ?? '';
  if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
  parseName(resourceByKind('Project'), project);
  const { services } = await app.services.state();
  const owned = [...services.values()].filter((entry) => entry.project === project).map((entry) => entry.service);
  owned.sort((a, b) => (a['name'] as string).localeCompare(b['name'] as string));
  return { response: { services: owned } };
};
