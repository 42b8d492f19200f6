/**
 * Finding users by address. Addresses are stored lower-cased (the User behaviour derives it), so
 * a case-insensitive lookup is an exact lookup of the lower-cased address; the read model answers
 * which names hold it — once it has applied every event appended before the lookup, so a user
 * created or re-addressed a moment ago is found (and one deleted is not) — and the write model
 * answers what they hold now.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import type { Principal } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { applyFieldMask, resolveView } from '@keystream/resource';
import type { ApplicationServices } from '../handlerContext.js';
import type { IdentityUser } from '../identity/identityProvider.js';
import { userNameOf } from '../userNames.js';

/** What a lookup reads. */
export type UserLookup = Pick<ApplicationServices, 'readStore' | 'repository' | 'queries' | 'eventStore'>;

/** Most addresses one BatchGetUsersByEmail may ask for. */
export const MAX_EMAILS = 1000;

/** Live users per lower-cased address; the canonical user of an address (`users/u<hash>`) first. */
export async function usersByEmail(app: UserLookup, emails: readonly string[]): Promise<Map<string, JsonObject[]>> {
  const lowered = [...new Set(emails.map((email) => email.toLowerCase()))];
  const found = new Map<string, JsonObject[]>();
  if (lowered.length === 0) return found;
  await app.queries.awaitPosition(await app.eventStore.headPosition());
  const result = await app.readStore.query('User', { filter: { email: { $in: lowered } } });
  // The canonical name may exist in the write model before the projector got to it.
  const names = new Set([...result.documents.map((stored) => stored.document['name'] as string), ...lowered.map(userNameOf)]);
  for (const name of [...names].sort()) {
    const user = await app.repository.liveResource('User', name);
    const email = typeof user?.['email'] === 'string' ? user['email'].toLowerCase() : undefined;
    if (user === undefined || email === undefined || !lowered.includes(email)) continue;
    const list = found.get(email) ?? [];
    if (name === userNameOf(email)) list.unshift(user);
    else list.push(user);
    found.set(email, list);
  }
  return found;
}

/** The email of the calling user; FAILED_PRECONDITION for any other principal. */
export function callingUserEmail(principal: Principal, method: string): string {
  if (principal.kind !== 'user') {
    throw new KeystreamError('FAILED_PRECONDITION', `${method} is about the calling user; the caller is ${principal.kind === 'anonymous' ? 'anonymous' : `the service account ${principal.email}`}`);
  }
  return principal.email;
}

/** The calling user's User resource, if one exists. */
export async function callingUser(app: UserLookup, email: string): Promise<JsonObject | undefined> {
  return (await usersByEmail(app, [email])).get(email.toLowerCase())?.[0];
}

/** The calling user's User resource; FAILED_PRECONDITION when the caller never signed in through RefreshUserFromIdToken. */
export async function requireCallingUser(app: UserLookup, email: string): Promise<JsonObject> {
  const user = await callingUser(app, email);
  if (user === undefined) {
    throw new KeystreamError('FAILED_PRECONDITION', `no User resource holds ${email} yet: call RefreshUserFromIdToken with your ID token first`);
  }
  return user;
}

/** A User shaped by a request's view and field mask, like GetUser shapes it. */
export function shapeUser(user: JsonObject, request: { readonly view?: string | undefined; readonly fieldMask?: readonly string[] | undefined }): JsonObject {
  return applyFieldMask(user, resolveView(resourceByKind('User'), request.view, request.fieldMask)) as JsonObject;
}

/** What the identity provider needs of a User resource. */
export function identityUserOf(user: JsonObject): IdentityUser {
  const authInfo = typeof user['authInfo'] === 'object' && user['authInfo'] !== null ? (user['authInfo'] as { provider?: string; id?: string }) : undefined;
  return {
    name: user['name'] as string,
    email: typeof user['email'] === 'string' ? user['email'] : '',
    ...(typeof user['fullName'] === 'string' ? { fullName: user['fullName'] } : {}),
    emailVerified: user['emailVerified'] === true,
    ...(authInfo === undefined ? {} : { authInfo: { provider: authInfo.provider, id: authInfo.id } }),
  };
}
