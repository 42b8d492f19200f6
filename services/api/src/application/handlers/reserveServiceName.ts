/**
 * ReserveServiceName: reserves a global service name for an admin account of a service project.
 * Only that account may later claim the name (register the service). The account is created if
 * missing, with a key when `admin_key` is given (or the account is new); the credentials file is
 * answered this once.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { parseName } from '@keystream/resource';
import type { MethodHandler } from '../methodHandler.js';
import { checkAdminAccount, ensureAdminAccount, requireAccountName } from '../serviceProjects/adminAccount.js';
import { requireServiceName } from '../serviceProjects/serviceRegistry.js';

export const reserveServiceName: MethodHandler<'ReserveServiceName'> = async (request, { app, envelope }) => {
  const project = request.name ?? '';
  if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
  parseName(resourceByKind('Project'), project);
  const service = requireServiceName(request.service, 'service');
  const account = requireAccountName(request.adminAccount, project, 'admin_account');
  const projectRole = request.adminAccountProjectRole === undefined || request.adminAccountProjectRole === '' ? undefined : request.adminAccountProjectRole;
  const adminKey = request.adminKey as JsonObject | undefined;
  if ((await app.repository.liveResource('Project', project)) === undefined) throw new KeystreamError('NOT_FOUND', `Project ${project} does not exist`);
  await checkAdminAccount(app, account, adminKey, projectRole);
  await app.services.reserve({ service, project, adminAccount: account }, envelope.actor);
  const { credentials, position } = await ensureAdminAccount(app, {
    account,
    adminKey,
    bindings: projectRole === undefined ? [] : [{ scope: project, role: projectRole }],
    envelope,
  });
  return { response: credentials === undefined ? {} : { nttAdminCredentials: credentials }, position };
};
