/**
 * DeleteUsersByCriteria: deletes the users named by address or by name (the request's oneof),
 * narrowed by the auth-info filters, and their login identities at the identity provider.
 *
 * Each deletion is conditional on the user still holding what was matched (a CAS on email and
 * auth_info): a user changed meanwhile so that it no longer matches is left alone. With the header
 * `x-keystream-dry-run: true` nothing is deleted and `deleted_users` lists what would be.
 * A retry with the same `x-request-id` deletes nothing twice: users already gone are skipped.
 */
import { isKeystreamError, KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { stepEnvelope } from '../commandEnvelope.js';
import type { MethodHandler } from '../methodHandler.js';
import { criteriaOf, matchesCriteria, type UserCriteria } from '../users/userCriteria.js';
import { identityUserOf, usersByEmail, type UserLookup } from '../users/userDirectory.js';

/** Header asking DeleteUsersByCriteria to report what it would delete, deleting nothing. */
export const DRY_RUN_HEADER = 'x-keystream-dry-run';

function dryRunOf(headers: Readonly<Record<string, string>>): boolean {
  const value = headers[DRY_RUN_HEADER];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw KeystreamError.invalidArgument([{ field: DRY_RUN_HEADER, description: `expected true or false, got ${JSON.stringify(value)}` }]);
}

/** The live users the criteria select, by name. */
export async function selectUsers(app: UserLookup, criteria: UserCriteria): Promise<JsonObject[]> {
  const candidates: JsonObject[] = [];
  if (criteria.by === 'email') {
    for (const holders of (await usersByEmail(app, criteria.values)).values()) candidates.push(...holders);
  } else {
    for (const name of criteria.values) {
      const user = await app.repository.liveResource('User', name);
      if (user !== undefined) candidates.push(user);
    }
  }
  return candidates.filter((user) => matchesCriteria(user, criteria)).sort((a, b) => (a['name'] as string).localeCompare(b['name'] as string));
}

export const deleteUsersByCriteria: MethodHandler<'DeleteUsersByCriteria'> = async (request, { app, envelope, headers }) => {
  const criteria = criteriaOf(request);
  const dryRun = dryRunOf(headers);
  const selected = await selectUsers(app, criteria);
  if (dryRun) return { response: { deletedUsers: selected.map((user) => user['name'] as string) } };
  const deleted: string[] = [];
  let position = '';
  for (const user of selected) {
    const name = user['name'] as string;
    try {
      const result = await app.commands.execute(
        { type: 'delete', kind: 'User', name, cas: { conditionalState: { email: user['email'] ?? '', authInfo: user['authInfo'] ?? {} }, fieldMask: ['email', 'authInfo'] } },
        stepEnvelope(envelope, `:delete:${name}`),
      );
      position = result.position;
    } catch (error) {
      // Gone already, or changed since it was matched: not ours to delete.
      if (isKeystreamError(error) && (error.code === 'NOT_FOUND' || error.code === 'ABORTED')) continue;
      throw error;
    }
    await app.identity.deleteUser(identityUserOf(user));
    deleted.push(name);
  }
  return { response: { deletedUsers: deleted }, position };
};
