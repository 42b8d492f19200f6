/**
 * The admin account of a service (ReserveServiceName, AddRegionalAdminAccountForServices): the
 * ServiceAccount is created when missing, a key is created when asked for (or when the account is
 * new and so has none), its credentials file is returned once, and the account is bound to the
 * roles it needs. Every write carries an id derived from the caller's request id, so a retry
 * creates nothing twice (and shows no secret twice).
 */
import { createHash } from 'node:crypto';
import { isKeystreamError, KeystreamError } from '@keystream/api';
import type { ServiceAccountCredentials } from '@keystream/authz';
import { serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import { escapeRegex } from '@keystream/resource';
import { stepEnvelope, type CommandEnvelope } from '../commandEnvelope.js';
import type { ApplicationServices } from '../handlerContext.js';
import { mintServiceAccountKey } from '../serviceAccounts/mintServiceAccountKey.js';

const ACCOUNT_NAME = /^projects\/([a-z][a-z0-9-]{0,28}[a-z0-9])\/regions\/([a-z0-9][a-z0-9-]*)\/serviceAccounts\/[a-z][a-z0-9-_]{0,55}[a-z0-9]$/;

/** One role the admin account is bound to, in one scope. */
export interface AdminBinding {
  readonly scope: string;
  readonly role: string;
}

/** INVALID_ARGUMENT naming `field` unless `name` is a ServiceAccount name under `within` (`projects/p` or `projects/p/regions/r`). */
export function requireAccountName(name: string | undefined, within: string, field: string): string {
  if (name === undefined || name === '') throw KeystreamError.invalidArgument([{ field, description: `required: a ServiceAccount name ${within}/…/serviceAccounts/{id}` }]);
  if (!ACCOUNT_NAME.test(name)) throw KeystreamError.invalidArgument([{ field, description: `expected projects/{project}/regions/{region}/serviceAccounts/{id}, got ${JSON.stringify(name)}` }]);
  if (!name.startsWith(`${within}/`)) throw KeystreamError.invalidArgument([{ field, description: `${name} is not under ${within}` }]);
  return name;
}

/** Whether the account holds a live key (read model). */
async function hasKey(app: Pick<ApplicationServices, 'readStore'>, account: string): Promise<boolean> {
  return (await app.readStore.count('ServiceAccountKey', { name: { $regex: `^${escapeRegex(`${account}/serviceAccountKeys/`)}` } })) > 0;
}

/**
 * Refuses, before anything is written, an admin key for an account that has one already (the
 * reference: AlreadyExists) and a role that does not exist.
 */
export async function checkAdminAccount(
  app: Pick<ApplicationServices, 'readStore' | 'repository'>,
  account: string,
  adminKey: JsonObject | undefined,
  projectRole: string | undefined,
): Promise<void> {
  const existing = await app.repository.liveResource('ServiceAccount', account);
  if (existing !== undefined && adminKey !== undefined && (await hasKey(app, account))) {
    throw new KeystreamError('ALREADY_EXISTS', `${account} has a key already; leave admin_key out and use the key you hold, or delete it first`);
  }
  if (projectRole !== undefined && (await app.repository.liveResource('Role', projectRole)) === undefined) {
    throw KeystreamError.invalidArgument([{ field: 'admin_account_project_role', description: `Role ${projectRole} does not exist` }]);
  }
}

/** Creates what is missing; answers the credentials file when a key was created now. */
export async function ensureAdminAccount(
  app: ApplicationServices,
  options: { readonly account: string; readonly adminKey: JsonObject | undefined; readonly bindings: readonly AdminBinding[]; readonly envelope: CommandEnvelope },
): Promise<{ readonly credentials: ServiceAccountCredentials | undefined; readonly position: string }> {
  const { account, envelope } = options;
  const derived = (suffix: string): CommandEnvelope => stepEnvelope(envelope, `:${suffix}`);
  let position = '';
  let created = false;
  if ((await app.repository.liveResource('ServiceAccount', account)) === undefined) {
    try {
      const result = await app.commands.execute({ type: 'create', kind: 'ServiceAccount', resource: { name: account, displayName: `Admin of ${account.split('/').pop() as string}` } }, derived('account'));
      position = result.position;
      created = !result.replayed;
    } catch (error) {
      if (!(isKeystreamError(error) && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }
  let credentials: ServiceAccountCredentials | undefined;
  if (options.adminKey !== undefined || created) {
    const minted = await mintServiceAccountKey(app, account, { displayName: 'admin key', ...(options.adminKey ?? {}) }, derived('key'), 'admin_key');
    position = minted.position;
    credentials = minted.credentials ?? minted.publicCredentials;
  }
  const member = `serviceAccount:${serviceAccountEmailOf(account)}`;
  for (const binding of options.bindings) {
    const id = `admin.${createHash('sha256').update(`${binding.role}\n${account}`).digest('hex').slice(0, 24)}`;
    try {
      const result = await app.commands.execute({ type: 'create', kind: 'RoleBinding', resource: { name: `${binding.scope}/roleBindings/${id}`, role: binding.role, member } }, derived(`binding:${id}`));
      position = result.position;
    } catch (error) {
      // Bound already (an earlier call, or a retry of this one).
      if (!(isKeystreamError(error) && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }
  return { credentials, position };
}
