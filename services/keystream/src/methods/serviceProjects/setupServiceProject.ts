/**
 * SetupServiceProject: creates a project meant to own services (its name is mandatory) and marks it
 * as a service project in the registry. As with CreateProject, its creator becomes its
 * administrator. An UNDEFINED business tier becomes XSMALL, as the reference says.
 */
import { isKeystreamError, KeystreamError, resourceByKind, type MessageOf } from '@keystream/api';
import { BUILTIN_ROLES } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { parseName } from '@keystream/resource';
import { originOf, positionHeaders } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { requireServiceName } from './serviceRegistry.js';

export const setupServiceProject: CustomMethod = {
  name: 'SetupServiceProject',
  async handle(call, deps) {
    const request = call.request as MessageOf<'SetupServiceProjectRequest'>;
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
    const origin = originOf(call);
    const created = await deps.commands.execute({ type: 'create', kind: 'Project', resource: project }, origin);
    let position = created.position;
    const actor = call.actor ?? 'anonymous';
    if (actor !== 'anonymous') {
      try {
        position = (
          await deps.commands.execute(
            { type: 'create', kind: 'RoleBinding', resource: { name: `${name}/roleBindings/creator-owner`, role: BUILTIN_ROLES.admin, member: actor } },
            { actor: 'system', requestId: origin.requestId === undefined ? undefined : `${origin.requestId}:owner` },
          )
        ).position;
      } catch (error) {
        if (!(isKeystreamError(error) && error.code === 'ALREADY_EXISTS')) throw error;
      }
    }
    await deps.services.setUpServiceProject(name, actor);
    return { response: created.resource ?? {}, headers: positionHeaders(position) };
  },
};
