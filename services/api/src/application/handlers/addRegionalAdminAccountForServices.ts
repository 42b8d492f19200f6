/**
 * AddRegionalAdminAccountForServices: a regional admin account for services of a service project:
 * the account (and, when asked or when new, a key) is created, it is bound as administrator of each
 * listed service (they must belong to the project of `parent`) and, when given, to the project
 * role. The credentials file `{type, client_email, private_key_id, private_key}` is answered this
 * once; it is in no event, no log and no later read.
 */
import { KeystreamError } from '@keystream/api';
import { BUILTIN_ROLES } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';
import { checkAdminAccount, ensureAdminAccount, requireAccountName, type AdminBinding } from '../serviceProjects/adminAccount.js';
import { requireServiceName } from '../serviceProjects/serviceRegistry.js';

const REGION_PARENT = /^(projects\/[a-z][a-z0-9-]{0,28}[a-z0-9])\/regions\/[a-z0-9][a-z0-9-]*$/;

export const addRegionalAdminAccountForServices: MethodHandler<'AddRegionalAdminAccountForServices'> = async (request, { app, envelope }) => {
  const parent = request.parent ?? '';
  const project = REGION_PARENT.exec(parent)?.[1];
  if (project === undefined) throw KeystreamError.invalidArgument([{ field: 'parent', description: `expected projects/{project}/regions/{region}, got ${JSON.stringify(parent)}` }]);
  const account = requireAccountName(request.adminAccount, parent, 'admin_account');
  const services = request.services ?? [];
  if (services.length === 0) throw KeystreamError.invalidArgument([{ field: 'services', description: 'required: the services the account administers' }]);
  services.forEach((service, index) => requireServiceName(service, `services[${index}]`));
  if ((await app.repository.liveResource('Project', project)) === undefined) throw new KeystreamError('NOT_FOUND', `Project ${project} does not exist`);
  const registry = await app.services.state();
  const foreign = services.filter((service) => registry.services.get(service)?.project !== project && registry.reservations.get(service)?.project !== project);
  if (foreign.length > 0) {
    throw new KeystreamError('FAILED_PRECONDITION', `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not a service (or reservation) of ${project}`);
  }
  const projectRole = request.adminAccountProjectRole === undefined || request.adminAccountProjectRole === '' ? undefined : request.adminAccountProjectRole;
  const adminKey = request.adminKey as JsonObject | undefined;
  await checkAdminAccount(app, account, adminKey, projectRole);
  const bindings: AdminBinding[] = [
    // "Full ownership of the Service": administrator in each service's scope.
    ...services.map((service) => ({ scope: service, role: BUILTIN_ROLES.admin })),
    ...(projectRole === undefined ? [] : [{ scope: project, role: projectRole }]),
  ];
  const { credentials, position } = await ensureAdminAccount(app, { account, adminKey, bindings, envelope });
  return { response: credentials === undefined ? {} : { nttAdminCredentials: credentials }, position };
};
