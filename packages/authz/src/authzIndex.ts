/**
 * The authorization state, kept in memory and fed with the events of `$all`: roles, role
 * bindings (indexed by member), group memberships (member → groups), conditions and the ancestry
 * of organizations and projects. Every event that changes one of them bumps `generation`, which
 * invalidates every cached decision.
 */
import { groupEmailOf, parseStream, type JsonObject } from '@keystream/domain';
import { scopeOfName, type AncestrySource } from './scopes.js';
import { isObject } from '@keystream/kernel';

/** An event as the index reads it (a recorded event of the event store fits). */
export interface IndexedEvent {
  readonly stream: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Values of a binding's scope param: fixed values, or filled from the principal at request time. */
export type ScopeParamValue = { readonly kind: 'values'; readonly values: readonly string[] } | { readonly kind: 'principal'; readonly path: string };

/** An executable condition reference with its params. */
export interface ConditionReference {
  readonly condition: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** A RoleBinding as the evaluator needs it. */
export interface BindingEntry {
  readonly name: string;
  readonly scope: string;
  readonly role: string;
  readonly member: string;
  /** Owned objects relative to the scope (`-` = the whole scope). */
  readonly ownedObjects: readonly string[];
  readonly scopeParams: ReadonlyMap<string, ScopeParamValue>;
  readonly executableConditions: readonly ConditionReference[];
  readonly disableForChildScopes: boolean;
  /** The binding as stored (for CheckMyRoleBindings). */
  readonly resource: JsonObject;
}

/** The kinds whose events change authorization decisions. */
export const AUTHZ_KINDS: ReadonlySet<string> = new Set(['Role', 'RoleBinding', 'GroupMember', 'Condition', 'Organization', 'Project']);


function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function scopeParamsOf(value: unknown): Map<string, ScopeParamValue> {
  const params = new Map<string, ScopeParamValue>();
  if (!Array.isArray(value)) return params;
  for (const param of value) {
    if (!isObject<JsonObject>(param) || typeof param['name'] !== 'string') continue;
    const single = isObject<JsonObject>(param['string']) ? param['string']['value'] : undefined;
    const several = isObject<JsonObject>(param['strings']) ? param['strings']['values'] : undefined;
    const from = isObject<JsonObject>(param['valueFrom']) ? param['valueFrom'] : undefined;
    if (typeof single === 'string') params.set(param['name'], { kind: 'values', values: [single] });
    else if (Array.isArray(several)) params.set(param['name'], { kind: 'values', values: strings(several) });
    else if (from !== undefined) params.set(param['name'], { kind: 'principal', path: typeof from['path'] === 'string' ? from['path'] : 'email' });
  }
  return params;
}

/** Executable condition references of a binding or a grant. */
export function conditionReferencesOf(value: unknown): ConditionReference[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((entry) =>
    typeof entry['condition'] === 'string' ? [{ condition: entry['condition'], params: isObject<JsonObject>(entry['params']) ? entry['params'] : {} }] : [],
  );
}

/** A RoleBinding resource as the evaluator reads it (also for bindings not stored yet). */
export function bindingEntryOf(resource: JsonObject): BindingEntry {
  const name = resource['name'] as string;
  return {
    name,
    scope: scopeOfName(name),
    role: typeof resource['role'] === 'string' ? resource['role'] : '',
    member: typeof resource['member'] === 'string' ? resource['member'] : '',
    ownedObjects: strings(resource['ownedObjects']),
    scopeParams: scopeParamsOf(resource['scopeParams']),
    executableConditions: conditionReferencesOf(resource['executableConditions']),
    disableForChildScopes: resource['disableForChildScopes'] === true,
    resource,
  };
}

/** Member strings whose rights may have moved, or {@link EVERYONE}. */
export type AffectedMembers = ReadonlySet<string> | typeof EVERYONE;

/** A change that may move anyone's rights. */
export const EVERYONE = 'everyone';

/** How many recent changes {@link AuthzIndex.affectedSince} can look back over. */
const MAX_RECENT_CHANGES = 4096;

function sameStrings(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

/** The in-memory authorization state. */
export class AuthzIndex implements AncestrySource {
  private readonly roles = new Map<string, JsonObject>();
  private readonly bindings = new Map<string, BindingEntry>();
  private readonly bindingsByMember = new Map<string, Map<string, BindingEntry>>();
  /** GroupMember name → [member, group member string]. */
  private readonly groupMembers = new Map<string, readonly [string, string]>();
  /** member → GroupMember name → `group:<email>` the member belongs to. */
  private readonly groupsByMember = new Map<string, Map<string, string>>();
  /** `group:<email>` → GroupMember name → its member (the same memberships, the other way). */
  private readonly membersByGroup = new Map<string, Map<string, string>>();
  private readonly conditions = new Map<string, JsonObject>();
  private readonly ancestries = new Map<string, readonly string[]>();
  private currentGeneration = 0;
  /** Recent changes, oldest first: the generation each produced and whose rights it may move. */
  private readonly recent: { readonly generation: number; readonly affected: AffectedMembers }[] = [];

  /** Bumped by every change that can alter a decision. */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Number of live role bindings (for metrics and benchmarks). */
  get bindingCount(): number {
    return this.bindings.size;
  }

  /**
   * Whose rights may have moved since `generation`: the member strings named by the changes after
   * it (a principal is affected when its group-expanded members meet them), or `everyone` when a
   * change could affect anyone or the record no longer reaches back that far.
   */
  affectedSince(generation: number): AffectedMembers {
    if (generation >= this.currentGeneration) return new Set();
    const first = this.recent[0];
    if (first === undefined || first.generation > generation + 1) return EVERYONE;
    const members = new Set<string>();
    for (const change of this.recent) {
      if (change.generation <= generation) continue;
      if (change.affected === EVERYONE) return EVERYONE;
      for (const member of change.affected) members.add(member);
    }
    return members;
  }

  /** Applies one event; returns true when it changed the authorization state. */
  apply(event: IndexedEvent): boolean {
    const stream = parseStream(event.stream);
    if (stream === undefined || !AUTHZ_KINDS.has(stream.kind)) return false;
    const deleted = event.type === `${stream.kind}Deleted`;
    const resource = event.data['resource'];
    if (!deleted && !isObject<JsonObject>(resource)) return false;
    const live = deleted ? undefined : (resource as JsonObject);
    let affected: AffectedMembers;
    switch (stream.kind) {
      case 'Role':
        if (live === undefined) this.roles.delete(stream.name);
        else this.roles.set(stream.name, live);
        affected = this.membersBoundTo((binding) => binding.role === stream.name);
        break;
      case 'RoleBinding': {
        const before = this.bindings.get(stream.name)?.member;
        this.removeBinding(stream.name);
        if (live !== undefined) this.addBinding(bindingEntryOf({ ...live, name: stream.name }));
        // The member may be `allUsers`, `domain:…` or a group: every principal counts as the
        // members its own expansion yields, so naming the member reaches exactly those principals.
        affected = new Set([before, this.bindings.get(stream.name)?.member].filter((member) => member !== undefined));
        break;
      }
      case 'GroupMember': {
        const before = this.groupMembers.get(stream.name)?.[0];
        this.removeGroupMember(stream.name);
        if (live !== undefined && typeof live['member'] === 'string') this.addGroupMember(stream.name, live['member']);
        // The member that joined or left (a group stands for its own members transitively).
        affected = new Set([before, this.groupMembers.get(stream.name)?.[0]].filter((member) => member !== undefined));
        break;
      }
      case 'Condition':
        if (live === undefined) this.conditions.delete(stream.name);
        else this.conditions.set(stream.name, live);
        affected = EVERYONE;
        break;
      case 'Organization':
      case 'Project': {
        const before = this.ancestries.get(stream.name);
        const after = live === undefined ? undefined : strings(live['ancestryPath']);
        // A routine update (title, labels …) leaves the ancestry as it was: no decision moves.
        if (before !== undefined && after !== undefined && sameStrings(before, after)) return false;
        if (after === undefined) this.ancestries.delete(stream.name);
        else this.ancestries.set(stream.name, after);
        // Decisions about the scope's contents lean on bindings in the scope or above it.
        const scopes = new Set([stream.name, ...(before ?? []), ...(after ?? [])]);
        affected = this.membersBoundTo((binding) => scopes.has(binding.scope) || binding.scope.startsWith(`${stream.name}/`));
        break;
      }
      default:
        return false;
    }
    this.currentGeneration += 1;
    this.recent.push({ generation: this.currentGeneration, affected });
    if (this.recent.length > MAX_RECENT_CHANGES) this.recent.shift();
    return true;
  }

  private membersBoundTo(test: (binding: BindingEntry) => boolean): Set<string> {
    const members = new Set<string>();
    for (const binding of this.bindings.values()) if (test(binding)) members.add(binding.member);
    return members;
  }

  /** Organizations above an organization or project, root first (undefined when unknown). */
  ancestryOf(scope: string): readonly string[] | undefined {
    return this.ancestries.get(scope);
  }

  /** True when the organization or project exists. */
  hasScope(scope: string): boolean {
    return this.ancestries.has(scope);
  }

  /** Names of the existing organizations (`organizations/`) or projects (`projects/`). */
  scopesOfKind(prefix: 'organizations/' | 'projects/'): string[] {
    return [...this.ancestries.keys()].filter((scope) => scope.startsWith(prefix));
  }

  role(name: string): JsonObject | undefined {
    return this.roles.get(name);
  }

  condition(name: string): JsonObject | undefined {
    return this.conditions.get(name);
  }

  /** The bindings naming `member`. */
  /** Every live binding (for checks that look across members, such as who a Condition affects). */
  allBindings(): Iterable<BindingEntry> {
    return this.bindings.values();
  }

  bindingsOf(member: string): Iterable<BindingEntry> {
    return this.bindingsByMember.get(member)?.values() ?? [];
  }

  /**
   * Every member string the given members stand for: themselves and the groups they belong to,
   * transitively. A visited set makes membership cycles terminate.
   */
  expandGroups(members: readonly string[]): string[] {
    const seen = new Set(members);
    const queue = [...members];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const group of this.groupsByMember.get(next)?.values() ?? []) {
        if (seen.has(group)) continue;
        seen.add(group);
        queue.push(group);
      }
    }
    return [...seen];
  }

  /**
   * The other direction of {@link expandGroups}: every member string that stands for one of the
   * given groups — their members, and the members of groups among those, transitively — without
   * the groups themselves. Whoever {@link expandGroups} reaches one of the groups from is in it.
   * Anything that is not a `group:` member stands for itself only and yields nothing. A visited
   * set makes membership cycles terminate.
   */
  membersOfGroups(groups: readonly string[]): string[] {
    const seen = new Set(groups);
    const members: string[] = [];
    const queue = [...groups];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      for (const member of this.membersByGroup.get(next)?.values() ?? []) {
        if (seen.has(member)) continue;
        seen.add(member);
        members.push(member);
        if (member.startsWith('group:')) queue.push(member);
      }
    }
    return members;
  }

  private addBinding(entry: BindingEntry): void {
    this.bindings.set(entry.name, entry);
    let byName = this.bindingsByMember.get(entry.member);
    if (byName === undefined) {
      byName = new Map();
      this.bindingsByMember.set(entry.member, byName);
    }
    byName.set(entry.name, entry);
  }

  private removeBinding(name: string): void {
    const existing = this.bindings.get(name);
    if (existing === undefined) return;
    this.bindings.delete(name);
    const byName = this.bindingsByMember.get(existing.member);
    byName?.delete(name);
    if (byName?.size === 0) this.bindingsByMember.delete(existing.member);
  }

  private addGroupMember(name: string, member: string): void {
    const groupName = name.slice(0, name.lastIndexOf('/groupMembers/'));
    const group = `group:${groupEmailOf(groupName)}`;
    this.groupMembers.set(name, [member, group]);
    let groups = this.groupsByMember.get(member);
    if (groups === undefined) {
      groups = new Map();
      this.groupsByMember.set(member, groups);
    }
    groups.set(name, group);
    let members = this.membersByGroup.get(group);
    if (members === undefined) {
      members = new Map();
      this.membersByGroup.set(group, members);
    }
    members.set(name, member);
  }

  private removeGroupMember(name: string): void {
    const existing = this.groupMembers.get(name);
    if (existing === undefined) return;
    this.groupMembers.delete(name);
    const groups = this.groupsByMember.get(existing[0]);
    groups?.delete(name);
    if (groups?.size === 0) this.groupsByMember.delete(existing[0]);
    const members = this.membersByGroup.get(existing[1]);
    members?.delete(name);
    if (members?.size === 0) this.membersByGroup.delete(existing[1]);
  }
}
