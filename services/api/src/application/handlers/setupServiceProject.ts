/**
 * SetupServiceProject: creates a project meant to own services (its name is mandatory) and marks it
 * as a service project in the registry. As with CreateProject, its creator becomes its
 * administrator. An UNDEFINED business tier becomes XSMALL, as the reference says.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { parseName } from '@keystream/resource';
import type { MethodHandler } from '../methodHandler.js';
import { requireServiceName } from '../serviceProjects/serviceRegistry.js';
import { createWithCreatorOwner } from './creatorOwnerBinding.js';

export const setupServiceProject: MethodHandler<'SetupServiceProject'> = async (request, context) => {
  const name = request.name ?? '';
  if (name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required (unlike CreateProject): projects/{project}' }]);
  parseName(resourceByKind('Project'), name);
  (request.coreEdgelqServiceOptOuts ?? []).forEach((service, index) => requireServiceName(service, `core_edgelq_service_opt_outs[${index}]`));
  const tier = request.defaultBusinessTier === undefined || request.defaultBusinessTier === 'UNDEFINED' ? 'XSMALL' : request.defaultBusinessTier;
  const project: JsonObject = {
    name,
    businessTier: tier,
    ...(request.title === undefined ? {} : { title: request.title }),
    ...(request.description === undefined ? {} : { description: request.description }),
    ...(request.parentOrganization === undefined || request.parentOrganization === '' ? {} : { parentOrganization: request.parentOrganization }),
    ...(request.multiRegionPolicy === undefined ? {} : { multiRegionPolicy: request.multiRegionPolicy as JsonObject }),
  };
  const created = await createWithCreatorOwner('Project', { project }, context);
  await context.app.services.setUpServiceProject(name, context.envelope.actor);
  return created;
};
