/**
 * Organizations and projects hang in a tree of organizations. ancestry_path lists the
 * organizations above the resource, root first; root_organization is the top of that path, or the
 * organization itself when it has no parent (projects without an organization have neither).
 */
import type { JsonObject } from '../events/resourceEvents.js';
import type { Reference, ResourceBehaviour } from './resourceBehaviour.js';

function parentOrganizationReference(resource: JsonObject): Reference[] {
  const parent = resource['parentOrganization'];
  return typeof parent === 'string' && parent !== '' ? [{ kind: 'Organization', name: parent, field: 'parent_organization' }] : [];
}

function ancestryOf(parent: JsonObject | undefined, parentName: string | undefined): string[] {
  if (parent === undefined || parentName === undefined) return [];
  const above = Array.isArray(parent['ancestryPath']) ? (parent['ancestryPath'] as string[]) : [];
  return [...above, parentName];
}

function treeBehaviour(selfIsRootWhenAlone: boolean): ResourceBehaviour {
  return {
    references: parentOrganizationReference,
    derive: (resource, context) => {
      const parentName = typeof resource['parentOrganization'] === 'string' && resource['parentOrganization'] !== '' ? resource['parentOrganization'] : undefined;
      const ancestry = ancestryOf(parentName === undefined ? undefined : context.references.get(parentName), parentName);
      const root = ancestry[0] ?? (selfIsRootWhenAlone ? (resource['name'] as string) : undefined);
      const derived: JsonObject = { ...resource };
      delete derived['ancestryPath'];
      delete derived['rootOrganization'];
      if (ancestry.length > 0) derived['ancestryPath'] = ancestry;
      if (root !== undefined) derived['rootOrganization'] = root;
      return derived;
    },
  };
}

export const organizationBehaviour: ResourceBehaviour = treeBehaviour(true);
export const projectBehaviour: ResourceBehaviour = treeBehaviour(false);
