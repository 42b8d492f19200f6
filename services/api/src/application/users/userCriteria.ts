/**
 * The criteria of DeleteUsersByCriteria, validated, and the one predicate that decides whether a
 * user falls under them. The handler loads candidates by address or name and deletes only those
 * this predicate accepts, so nothing outside the criteria can be deleted whatever the lookup found.
 */
import { KeystreamError, type RequestOf } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';

/** Most users one call may name. */
export const MAX_CRITERIA_VALUES = 1000;

/** Validated criteria: exactly one of `emails` (lower-cased) or `names`, plus the optional auth-info filters. */
export interface UserCriteria {
  readonly by: 'email' | 'name';
  readonly values: readonly string[];
  readonly authInfoProvider?: string | undefined;
  readonly authInfoIdPrefix?: string | undefined;
}

const USER_NAME = /^users\/[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Reads the request; INVALID_ARGUMENT naming the field for anything ambiguous or empty. */
export function criteriaOf(request: RequestOf<'DeleteUsersByCriteria'>): UserCriteria {
  const byEmail = request.byEmail;
  const byName = request.byName;
  if (byEmail !== undefined && byName !== undefined) {
    throw KeystreamError.invalidArgument([{ field: 'by_email', description: 'by_email and by_name are one choice (oneof to_delete): give one of them' }]);
  }
  if (byEmail === undefined && byName === undefined) {
    throw KeystreamError.invalidArgument([{ field: 'by_email', description: 'required: by_email or by_name says which users to delete' }]);
  }
  const field = byEmail !== undefined ? 'by_email.values' : 'by_name.values';
  const raw = (byEmail ?? byName)?.values ?? [];
  if (raw.length === 0) throw KeystreamError.invalidArgument([{ field, description: 'required: at least one value (an empty list would match no one, or everyone)' }]);
  if (raw.length > MAX_CRITERIA_VALUES) throw KeystreamError.invalidArgument([{ field, description: `at most ${MAX_CRITERIA_VALUES} values per call, got ${raw.length}` }]);
  raw.forEach((value, index) => {
    if (value.trim() === '') throw KeystreamError.invalidArgument([{ field: `${field}[${index}]`, description: 'must not be empty' }]);
    if (byName !== undefined && !USER_NAME.test(value)) throw KeystreamError.invalidArgument([{ field: `${field}[${index}]`, description: `expected a User name users/{user}, got ${JSON.stringify(value)}` }]);
  });
  const provider = request.authInfoProvider === undefined || request.authInfoProvider === '' ? undefined : request.authInfoProvider;
  const prefix = request.authInfoIdPrefix === undefined || request.authInfoIdPrefix === '' ? undefined : request.authInfoIdPrefix;
  return {
    by: byEmail !== undefined ? 'email' : 'name',
    values: [...new Set(byEmail !== undefined ? raw.map((value) => value.trim().toLowerCase()) : raw)],
    ...(provider === undefined ? {} : { authInfoProvider: provider }),
    ...(prefix === undefined ? {} : { authInfoIdPrefix: prefix }),
  };
}

/** Whether `user` falls under the criteria: named by them, and matching every auth-info filter given. */
export function matchesCriteria(user: JsonObject, criteria: UserCriteria): boolean {
  const named = criteria.by === 'email' ? typeof user['email'] === 'string' && criteria.values.includes(user['email'].toLowerCase()) : criteria.values.includes(user['name'] as string);
  if (!named) return false;
  const authInfo = (typeof user['authInfo'] === 'object' && user['authInfo'] !== null ? user['authInfo'] : {}) as { provider?: unknown; id?: unknown };
  if (criteria.authInfoProvider !== undefined && authInfo.provider !== criteria.authInfoProvider) return false;
  if (criteria.authInfoIdPrefix !== undefined && !(typeof authInfo.id === 'string' && authInfo.id.startsWith(criteria.authInfoIdPrefix))) return false;
  return true;
}
