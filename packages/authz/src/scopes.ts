/**
 * Scopes: where RoleBindings live and apply. The system scope is `''`; the others are
 * `services/<id>`, `organizations/<id>` and `projects/<id>`. A binding applies in its own scope
 * and below: a project inherits from the organizations of its ancestry path, an organization
 * from the organizations above it, everything from the system scope.
 */

/** The system scope. */
export const SYSTEM_SCOPE = '';

const SCOPE_COLLECTIONS = new Set(['projects', 'organizations', 'services']);

/**
 * The scope a resource name (or collection parent) belongs to: its leading
 * `projects|organizations|services/<id>` pair, or the system scope. `projects/p1` itself is in
 * scope `projects/p1` (a project is administered within itself).
 */
export function scopeOfName(name: string): string {
  const parts = name.split('/');
  const collection = parts[0];
  if (collection === undefined || !SCOPE_COLLECTIONS.has(collection) || parts[1] === undefined || parts[1] === '') return SYSTEM_SCOPE;
  return `${collection}/${parts[1]}`;
}

/** True when a scope names a wildcard (`projects/-`): only system-wide grants can cover it. */
export function isWildcardScope(scope: string): boolean {
  return scope.split('/').includes('-');
}

/** Where organizations and projects hang: their ancestry paths (organizations, root first). */
export interface AncestrySource {
  ancestryOf(scope: string): readonly string[] | undefined;
}

/**
 * The scopes whose bindings apply to `scope`, from the system scope down to `scope` itself.
 * A wildcard scope gets the system scope only.
 */
export function scopeChainOf(scope: string, ancestry: AncestrySource): string[] {
  if (scope === SYSTEM_SCOPE || isWildcardScope(scope)) return [SYSTEM_SCOPE];
  if (scope.startsWith('services/')) return [SYSTEM_SCOPE, scope];
  return [SYSTEM_SCOPE, ...(ancestry.ancestryOf(scope) ?? []), scope];
}

/**
 * True when `name` is `prefix` or below it, segment by segment, a `-` segment of the prefix
 * matching any one segment.
 */
export function isUnderPrefix(name: string, prefix: string): boolean {
  const nameParts = name.split('/');
  const prefixParts = prefix.split('/');
  if (prefixParts.length > nameParts.length) return false;
  return prefixParts.every((part, index) => part === '-' || part === nameParts[index]);
}
