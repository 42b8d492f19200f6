/** The invitation's inviter_actor of a command actor. */
import type { JsonObject } from '../events/resourceEvents.js';
import { userNameOf } from '../behaviours/userNames.js';

/**
 * `{user: users/u…}` for a user actor. A service account's resource name is not recoverable from
 * its email alone (the region is not in it), so service accounts are recorded by inviter_email.
 */
export function inviterActorOf(actor: string): JsonObject | undefined {
  if (actor.startsWith('user:')) return { user: userNameOf(actor.slice('user:'.length)) };
  return undefined;
}
