/**
 * The authorization evaluator: may this principal use this permission on this target?
 *
 * It looks at the bindings of every member the principal is (itself, `allUsers`,
 * `allAuthenticatedUsers`, `domain:…`, its groups transitively) in every scope of the target's
 * chain (system, organizations root first, the project or organization itself). A binding allows
 * when it owns the target (owned objects; `-` = the whole scope) or when one of its role's grants
 * lists the permission, its sub_scope covers the target, its field conditions hold and its
 * executable conditions (IP CIDRs, attestation) pass. Anything else is denied.
 *
 * Decisions that depended only on the principal, permission and target are cached per principal;
 * the cache is dropped whenever the index's generation moves (a role, binding, group member,
 * condition or scope changed), so a revocation applies to the very next decision.
 */
import type { JsonObject } from '@keystream/domain';
import type { AuthzIndex, BindingEntry, ConditionReference, ScopeParamValue } from './authzIndex.js';
import { conditionReferencesOf } from './authzIndex.js';
import { conditionPasses } from './conditionPasses.js';
import { actorOf, directMembersOf, type Principal } from './principal.js';
import { isUnderPrefix, scopeChainOf, SYSTEM_SCOPE } from './scopes.js';
import { isObject, snakeToCamel } from '@keystream/kernel';

/** What is asked. */
export interface AuthorizationRequest {
  readonly principal: Principal;
  /** `services/iam.edgelq.com/permissions/roleBindings.list` */
  readonly permission: string;
  /** The scope of the target (`projects/p1`, `organizations/o1`, `services/s`, `''`). */
  readonly scope: string;
  /** The target resource name or collection parent (defaults to the scope). */
  readonly target?: string | undefined;
  /** The request message (internal form) for request field conditions. */
  readonly request?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Loads what resource field conditions must hold on (only called when a grant has them): every
   * document returned must satisfy them (see conditionSubjects.ts); none means they cannot hold.
   */
  readonly resource?: (() => Promise<JsonObject | readonly JsonObject[] | undefined>) | undefined;
  /** The client's IP address, for IP conditions. */
  readonly remoteAddress?: string | undefined;
  /**
   * Attestation domains the request proves with valid attestation tokens of this principal
   * (verified before authorization; see docs/security.md), for AttestationConditions.
   */
  readonly attestedDomains?: ReadonlySet<string> | undefined;
}


/** The answer, with the binding that allowed it (for audit logs and tests). */
export type AuthorizationDecision = { readonly allowed: true; readonly binding: string } | { readonly allowed: false };

const DENIED: AuthorizationDecision = { allowed: false };
/** Cached decisions kept per principal, and principals kept, before the oldest are dropped. */
const MAX_DECISIONS_PER_PRINCIPAL = 4096;
const MAX_PRINCIPALS = 10_000;

interface PrincipalCache {
  generation: number;
  members: readonly string[];
  decisions: Map<string, AuthorizationDecision>;
}

/** What a grant evaluation learned: whether it allows, and whether the answer may be cached. */
interface GrantOutcome {
  allowed: boolean;
  cacheable: boolean;
  /** A grant with resource field conditions could not be decided without the resource. */
  needsResource?: boolean;
}



/** The values at a dotted path (snake or camel case) of an object, arrays flattened. */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const part of path.split('.').map(snakeToCamel)) {
    current = current.flatMap((node) => {
      if (!isObject(node)) return [];
      const next: unknown = node[part];
      return Array.isArray(next) ? (next as unknown[]) : next === undefined ? [] : [next];
    });
  }
  return current;
}

function permissionMatches(granted: string, wanted: string): boolean {
  if (granted === wanted) return true;
  // `services/s/permissions/*` grants every permission of service s.
  return granted.endsWith('/*') && wanted.startsWith(granted.slice(0, -1));
}

export class Authorizer {
  private readonly caches = new Map<string, PrincipalCache>();

  constructor(
    private readonly index: AuthzIndex,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Every member string the principal counts as, groups expanded (cached per generation). */
  membersOf(principal: Principal): readonly string[] {
    return this.cacheOf(principal).members;
  }

  /** The bindings of the principal that apply in the scope chain of `scope`. */
  bindingsFor(principal: Principal, scope: string): BindingEntry[] {
    const chain = scopeChainOf(scope, this.index);
    const found: BindingEntry[] = [];
    for (const member of this.membersOf(principal)) {
      for (const binding of this.index.bindingsOf(member)) {
        const position = chain.indexOf(binding.scope);
        if (position < 0) continue;
        if (binding.disableForChildScopes && position !== chain.length - 1) continue;
        found.push(binding);
      }
    }
    return found;
  }

  /** Decides one request (loading the target resource only if a grant's resource conditions need it). */
  async check(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    const first = this.decide(request, undefined);
    if (first.allowed || !first.needsResource || request.resource === undefined) return first;
    const loaded = await request.resource();
    return this.decide(request, { documents: loaded === undefined ? [] : Array.isArray(loaded) ? (loaded as readonly JsonObject[]) : [loaded as JsonObject] });
  }

  /**
   * Decides synchronously, with the target resource at hand (or none): for per-document checks
   * such as a watch's, where the document is the resource.
   */
  checkNow(request: Omit<AuthorizationRequest, 'resource'>, document?: JsonObject): AuthorizationDecision {
    return this.decide(request, { documents: document === undefined ? [] : [document] });
  }

  private decide(request: AuthorizationRequest, resource: { readonly documents: readonly JsonObject[] } | undefined): AuthorizationDecision & { needsResource?: boolean } {
    const cache = this.cacheOf(request.principal);
    const target = request.target ?? request.scope;
    const key = `${request.permission}\u0000${request.scope}\u0000${target}`;
    const cached = cache.decisions.get(key);
    if (cached !== undefined) return cached;

    let cacheable = true;
    let needsResource = false;
    for (const binding of this.bindingsFor(request.principal, request.scope)) {
      const outcome = this.bindingAllows(binding, request, target, resource);
      cacheable &&= outcome.cacheable;
      needsResource ||= outcome.needsResource === true;
      if (outcome.allowed) {
        const decision: AuthorizationDecision = { allowed: true, binding: binding.name };
        if (outcome.cacheable) this.remember(cache, key, decision);
        return decision;
      }
    }
    if (cacheable) this.remember(cache, key, DENIED);
    return needsResource ? { allowed: false, needsResource } : DENIED;
  }

  private remember(cache: PrincipalCache, key: string, decision: AuthorizationDecision): void {
    if (cache.decisions.size >= MAX_DECISIONS_PER_PRINCIPAL) cache.decisions.clear();
    cache.decisions.set(key, decision);
  }

  private cacheOf(principal: Principal): PrincipalCache {
    const actor = actorOf(principal);
    const existing = this.caches.get(actor);
    if (existing !== undefined && existing.generation === this.index.generation) return existing;
    if (existing === undefined && this.caches.size >= MAX_PRINCIPALS) this.caches.clear();
    const fresh: PrincipalCache = {
      generation: this.index.generation,
      members: this.index.expandGroups(directMembersOf(principal)),
      decisions: new Map(),
    };
    this.caches.set(actor, fresh);
    return fresh;
  }

  private bindingAllows(binding: BindingEntry, request: AuthorizationRequest, target: string, resource: { readonly documents: readonly JsonObject[] } | undefined): GrantOutcome {
    const role = this.index.role(binding.role);
    if (role === undefined) return { allowed: false, cacheable: true };
    const bindingConditions = binding.executableConditions;
    const ownsTarget = binding.ownedObjects.some((owned) =>
      owned === '-' ? true : isUnderPrefix(target, binding.scope === SYSTEM_SCOPE ? owned : `${binding.scope}/${owned}`),
    );
    if (ownsTarget) {
      if (bindingConditions.length === 0) return { allowed: true, cacheable: true };
      return { allowed: this.conditionsPass(bindingConditions, request), cacheable: false };
    }
    const grants: Record<string, unknown>[] = Array.isArray(role['grants']) ? (role['grants'] as unknown[]).filter(isObject) : [];
    let cacheable = true;
    let needsResource = false;
    for (const grant of grants) {
      const permissions = Array.isArray(grant['permissions']) ? grant['permissions'] : [];
      if (!permissions.some((permission) => typeof permission === 'string' && permissionMatches(permission, request.permission))) continue;
      const params = this.paramsOf(binding, request.principal);
      if (!this.subScopeCovers(grant['subScope'], binding.scope, target, params)) continue;
      const requestConditions = Array.isArray(grant['requestFieldConditions']) ? grant['requestFieldConditions'].filter(isObject) : [];
      const resourceConditions = Array.isArray(grant['resourceFieldConditions']) ? grant['resourceFieldConditions'].filter(isObject) : [];
      const conditions = mergeConditions(conditionReferencesOf(grant['executableConditions']), bindingConditions);
      if (requestConditions.length > 0 || resourceConditions.length > 0 || conditions.length > 0) cacheable = false;
      if (!requestConditions.every((condition) => fieldConditionHolds(condition, request.request, params))) continue;
      if (resourceConditions.length > 0) {
        // Without the resource yet, say so: check() loads it and decides again.
        if (resource === undefined) {
          needsResource = true;
          continue;
        }
        // Every subject must satisfy every condition (the stored resource and an update's result alike).
        const { documents } = resource;
        if (documents.length === 0 || !documents.every((document) => resourceConditions.every((condition) => fieldConditionHolds(condition, document, params)))) continue;
      }
      if (!this.conditionsPass(conditions, request)) continue;
      return { allowed: true, cacheable };
    }
    return { allowed: false, cacheable, needsResource };
  }

  /** The binding's scope params, principal-sourced ones filled from the principal. */
  private paramsOf(binding: BindingEntry, principal: Principal): Map<string, readonly string[]> {
    const params = new Map<string, readonly string[]>();
    for (const [name, value] of binding.scopeParams) params.set(name, resolveParam(value, principal));
    return params;
  }

  private subScopeCovers(subScope: unknown, scope: string, target: string, params: ReadonlyMap<string, readonly string[]>): boolean {
    if (typeof subScope !== 'string' || subScope === '') return true;
    return expandTemplate(subScope, params).some((expanded) => isUnderPrefix(target, scope === SYSTEM_SCOPE ? expanded : `${scope}/${expanded}`));
  }

  /** Executable conditions: every referenced Condition must exist and pass (fail closed). */
  private conditionsPass(references: readonly ConditionReference[], request: AuthorizationRequest): boolean {
    return references.every((reference) => {
      const condition = this.index.condition(reference.condition);
      return condition !== undefined && conditionPasses(condition, request.permission, request.remoteAddress, request.attestedDomains);
    });
  }

  /** Now in milliseconds (exposed for key-validity checks sharing the clock). */
  now(): number {
    return this.clock();
  }
}

function resolveParam(value: ScopeParamValue, principal: Principal): readonly string[] {
  switch (value.kind) {
    case 'values':
      return value.values;
    case 'principal': {
      if (principal.kind === 'anonymous') return [];
      const attributes: Record<string, unknown> = { ...principal };
      return valuesAtPath(attributes, value.path).filter((entry): entry is string => typeof entry === 'string');
    }
    default: {
      const unreachable: never = value;
      throw new Error(`unknown scope param ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A template (`regions/{region}`) with every combination of param values; none when a param is missing. */
export function expandTemplate(template: string, params: ReadonlyMap<string, readonly string[]>): string[] {
  let results = [template];
  for (const match of template.matchAll(/\{([a-zA-Z0-9_]+)\}/g)) {
    const values = params.get(match[1] as string);
    if (values === undefined || values.length === 0) return [];
    results = results.flatMap((result) => values.map((value) => result.replaceAll(match[0], value)));
  }
  return results;
}

function fieldConditionHolds(condition: Record<string, unknown>, subject: unknown, params: ReadonlyMap<string, readonly string[]>): boolean {
  const path = condition['path'];
  const value = condition['value'];
  if (typeof path !== 'string' || typeof value !== 'string') return false;
  const expected = new Set(expandTemplate(value, params));
  const actual = valuesAtPath(subject, path);
  return actual.length > 0 && actual.every((entry) => expected.has(typeof entry === 'string' ? entry : JSON.stringify(entry)));
}

/** Role conditions merged into the binding's by condition name (params of the binding win). */
function mergeConditions(fromRole: readonly ConditionReference[], fromBinding: readonly ConditionReference[]): ConditionReference[] {
  const merged = new Map<string, ConditionReference>();
  for (const reference of fromRole) merged.set(reference.condition, reference);
  for (const reference of fromBinding) {
    const role = merged.get(reference.condition);
    merged.set(reference.condition, { condition: reference.condition, params: { ...(role?.params ?? {}), ...reference.params } });
  }
  return [...merged.values()];
}
