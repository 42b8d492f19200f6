/**
 * RoleBinding: binds a role to a member in the binding's scope. What the binding grants is copied
 * from its role when it is written: the category, and the owned objects with the role's
 * templates (`regions/{region}/devices/{device}`) filled from the binding's scope params. A
 * template parameter whose value comes from the principal at request time (`value_from`) stays a
 * placeholder for authorization to fill.
 */
import type { FieldViolation } from '@keystream/api';
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';
import { checkMember, memberTypeOf } from './memberSyntax.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

const BINDING_MEMBER_TYPES = ['allUsers', 'allAuthenticatedUsers', 'user', 'serviceAccount', 'group', 'domain'] as const;

/** Values of each scope param the binding gives: one value, several, or "resolved later". */
type ParamValues = ReadonlyMap<string, readonly string[] | 'deferred'>;

function scopeParamValues(scopeParams: unknown): ParamValues {
  const values = new Map<string, readonly string[] | 'deferred'>();
  if (!Array.isArray(scopeParams)) return values;
  for (const param of scopeParams as JsonObject[]) {
    const name = param['name'];
    if (typeof name !== 'string') continue;
    const single = (param['string'] as JsonObject | undefined)?.['value'];
    const several = (param['strings'] as JsonObject | undefined)?.['values'];
    if (typeof single === 'string') values.set(name, [single]);
    else if (Array.isArray(several)) values.set(name, several.filter((value): value is string => typeof value === 'string'));
    else if (param['valueFrom'] !== undefined) values.set(name, 'deferred');
  }
  return values;
}

/** Expands owned-object templates with the binding's params; throws naming a param it lacks. */
export function expandOwnedObjects(templates: readonly string[], params: ParamValues, roleName: string): string[] {
  const expanded: string[] = [];
  for (const template of templates) {
    let results = [template];
    for (const match of template.matchAll(/\{([a-zA-Z0-9_]+)\}/g)) {
      const param = match[1] as string;
      const values = params.get(param);
      if (values === undefined) {
        throw KeystreamError.invalidArgument([{ field: 'role_binding.scope_params', description: `role ${roleName} needs scope param "${param}" (owned object ${template})` }]);
      }
      if (values === 'deferred') continue;
      results = results.flatMap((result) => values.map((value) => result.replaceAll(`{${param}}`, value)));
    }
    expanded.push(...results);
  }
  return [...new Set(expanded)];
}

export const roleBindingBehaviour: ResourceBehaviour = {
  references: (resource) => (typeof resource['role'] === 'string' ? [{ kind: 'Role', name: resource['role'], field: 'role_binding.role' }] : []),
  validate: (resource): FieldViolation[] => [
    ...checkMember(resource['member'], 'role_binding.member', BINDING_MEMBER_TYPES),
    ...(typeof resource['role'] === 'string' && resource['role'] !== '' ? [] : [{ field: 'role_binding.role', description: 'required: the name of the role to bind' }]),
  ],
  derive: (resource, context) => {
    const roleName = resource['role'] as string;
    const role = context.references.get(roleName) ?? {};
    const templates = Array.isArray(role['ownedObjects']) ? (role['ownedObjects'] as string[]) : [];
    const ownedObjects = expandOwnedObjects(templates, scopeParamValues(resource['scopeParams']), roleName);
    const derived: JsonObject = { ...resource, memberType: memberTypeOf(resource['member'] as string), hasOwnedObjects: ownedObjects.length > 0 };
    delete derived['ownedObjects'];
    delete derived['category'];
    if (ownedObjects.length > 0) derived['ownedObjects'] = ownedObjects;
    if (typeof role['category'] === 'string') derived['category'] = role['category'];
    return derived;
  },
};
