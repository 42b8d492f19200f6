/**
 * ReserveServiceName: reserves a global service name for an admin account of a service project.
 * Only that account may later claim the name (register the service). The account is created if
 * missing, with a key when `admin_key` is given (or the account is new); the credentials file is
 * answered this once.
 */
import { KeystreamError, type MessageOf } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { parseName } from '@keystream/resource';
import { resourceByKind } from '@keystream/api';
import { originOf, positionHeaders } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { checkAdminAccount, ensureAdminAccount, requireAccountName } from '../serviceAccounts/adminAccount.js';
import { requireServiceName } from './serviceRegistry.js';

export const reserveServiceName: CustomMethod = {
  name: 'ReserveServiceName',
  async handle(call, deps) {
    const request = call.request as MessageOf<'ReserveServiceNameRequest'>;
    const project = request.name ?? '';
    if (project === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the service project' }]);
    parseName(resourceByKind('Project'), project);
    const service = requireServiceName(request.service, 'service');
    const account = requireAccountName(request.adminAccount, project, 'admin_account');
    const projectRole = request.adminAccountProjectRole === undefined || request.adminAccountProjectRole === '' ? undefined : request.adminAccountProjectRole;
    const adminKey = request.adminKey as JsonObject | undefined;
    if ((await deps.repository.liveResource('Project', project)) === undefined) throw new KeystreamError('NOT_FOUND', `Project ${project} does not exist`);
    await checkAdminAccount(deps, account, adminKey, projectRole);
    await deps.services.reserve({ service, project, adminAccount: account }, call.actor ?? 'anonymous');
    const { credentials, position } = await ensureAdminAccount(deps, {
      account,
      adminKey,
      bindings: projectRole === undefined ? [] : [{ scope: project, role: projectRole }],
      origin: originOf(call),
    });
    return { response: credentials === undefined ? {} : { nttAdminCredentials: credentials }, headers: positionHeaders(position) };
  },
};
