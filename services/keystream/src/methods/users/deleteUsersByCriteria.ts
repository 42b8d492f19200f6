/**
 * DeleteUsersByCriteria: deletes the users named by address or by name (the request's oneof),
 * narrowed by the auth-info filters, and their login identities at the identity provider.
 *
 * Each deletion is conditional on the user still holding what was matched (a CAS on email and
 * auth_info): a user changed meanwhile so that it no longer matches is left alone. With the header
 * `x-keystream-dry-run: true` nothing is deleted and `deleted_users` lists what would be.
 * A retry with the same `x-request-id` deletes nothing twice: users already gone are skipped.
 */
import { isKeystreamError, KeystreamError, type MessageOf } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { MIN_POSITION_HEADER } from '@keystream/service-api';
import { originOf, positionHeaders } from '../callContext.js';
import { DRY_RUN_HEADER, type CustomMethod } from '../customMethod.js';
import { criteriaOf, matchesCriteria, type UserCriteria } from './userCriteria.js';
import { identityUserOf, usersByEmail, type UserLookupDeps } from './userDirectory.js';

function dryRunOf(headers: Readonly<Record<string, string>>): boolean {
  const value = headers[DRY_RUN_HEADER];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw KeystreamError.invalidArgument([{ field: DRY_RUN_HEADER, description: `expected true or false, got ${JSON.stringify(value)}` }]);
}

/** The live users the criteria select, by name. */
export async function selectUsers(deps: UserLookupDeps, criteria: UserCriteria): Promise<JsonObject[]> {
  const candidates: JsonObject[] = [];
  if (criteria.by === 'email') {
    for (const holders of (await usersByEmail(deps, criteria.values)).values()) candidates.push(...holders);
  } else {
    for (const name of criteria.values) {
      const user = await deps.repository.liveResource('User', name);
      if (user !== undefined) candidates.push(user);
    }
  }
  return candidates.filter((user) => matchesCriteria(user, criteria)).sort((a, b) => (a['name'] as string).localeCompare(b['name'] as string));
}

export const deleteUsersByCriteria: CustomMethod = {
  name: 'DeleteUsersByCriteria',
  async handle(call, deps) {
    const criteria = criteriaOf(call.request as MessageOf<'DeleteUsersByCriteriaRequest'>);
    const dryRun = dryRunOf(call.headers);
    await deps.queries.awaitPosition(call.headers[MIN_POSITION_HEADER]);
    const selected = await selectUsers(deps, criteria);
    if (dryRun) return { response: { deletedUsers: selected.map((user) => user['name'] as string) } };
    const deleted: string[] = [];
    let position = '';
    for (const user of selected) {
      const name = user['name'] as string;
      try {
        const result = await deps.commands.execute(
          { type: 'delete', kind: 'User', name, cas: { conditionalState: { email: user['email'] ?? '', authInfo: user['authInfo'] ?? {} }, fieldMask: ['email', 'authInfo'] } },
          originOf(call, `:delete:${name}`),
        );
        position = result.position;
      } catch (error) {
        // Gone already, or changed since it was matched: not ours to delete.
        if (isKeystreamError(error) && (error.code === 'NOT_FOUND' || error.code === 'ABORTED')) continue;
        throw error;
      }
      await deps.identity.deleteUser(identityUserOf(user));
      deleted.push(name);
    }
    return { response: { deletedUsers: deleted }, headers: positionHeaders(position) };
  },
};
