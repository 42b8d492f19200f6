/**
 * Principals: users and service accounts.
 * - A user's email is kept in lower case, so `user:` members match however the identity provider
 *   spells it.
 * - A service account's email is derived from its name:
 *   `{id}@{project}.serviceaccounts.iam.edgelq.com` (the shape the reference's member examples use).
 */
import type { JsonObject } from '../events/resourceEvents.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

/** The email of the service account with this name. */
export function serviceAccountEmailOf(name: string): string {
  const parts = name.split('/');
  return `${parts[parts.length - 1] as string}@${parts[1] as string}.serviceaccounts.iam.edgelq.com`;
}

export const userBehaviour: ResourceBehaviour = {
  derive: (resource: JsonObject) => (typeof resource['email'] === 'string' ? { ...resource, email: resource['email'].toLowerCase() } : resource),
};

export const serviceAccountBehaviour: ResourceBehaviour = {
  derive: (resource: JsonObject) => ({ ...resource, email: serviceAccountEmailOf(resource['name'] as string) }),
};
