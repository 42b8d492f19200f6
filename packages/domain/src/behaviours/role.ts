/**
 * Role: `services` lists the services whose permissions the grants use
 * (`services/{service}/permissions/…` → `services/{service}`), as the reference describes.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

/** The services a role's grants draw permissions from, sorted. */
export function servicesOfGrants(grants: unknown): string[] {
  const services = new Set<string>();
  if (!Array.isArray(grants)) return [];
  for (const grant of grants as JsonObject[]) {
    const permissions = grant['permissions'];
    if (!Array.isArray(permissions)) continue;
    for (const permission of permissions) {
      const match = typeof permission === 'string' ? /^(services\/[^/]+)\/permissions\//.exec(permission) : null;
      if (match) services.add(match[1] as string);
    }
  }
  return [...services].sort();
}

export const roleBehaviour: ResourceBehaviour = {
  derive: (resource) => {
    const services = servicesOfGrants(resource['grants']);
    const derived: JsonObject = { ...resource };
    delete derived['services'];
    if (services.length > 0) derived['services'] = services;
    return derived;
  },
};
