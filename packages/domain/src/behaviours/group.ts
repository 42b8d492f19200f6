/**
 * Group: its email is derived from its name (the reference's rules): system groups
 * `{group}@groups.iam.edgelq.com`, organization groups `{group}@{organization}.groups.iam.edgelq.com`,
 * project groups `{group}@{project}.groups.iam.edgelq.com`; service groups, which the reference
 * does not cover, follow the same shape with the service id.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

/** The email of the group with this name. */
export function groupEmailOf(name: string): string {
  const parts = name.split('/');
  const groupId = parts[parts.length - 1] as string;
  const scopeId = parts.length === 4 ? (parts[1] as string) : undefined;
  return scopeId === undefined ? `${groupId}@groups.iam.edgelq.com` : `${groupId}@${scopeId}.groups.iam.edgelq.com`;
}

export const groupBehaviour: ResourceBehaviour = {
  derive: (resource: JsonObject) => ({ ...resource, email: groupEmailOf(resource['name'] as string) }),
};
