/**
 * The no-escalation rule (docs/security.md, "No escalation"): a caller may not cause any principal
 * to gain a permission the caller does not hold itself, where it would gain it. Kubernetes RBAC
 * and GCP IAM follow the same rule. It applies to every write that changes effective rights:
 *
 * - binding a role (CreateRoleBinding / UpdateRoleBinding): the member gains the role's grants in
 *   the binding's scope;
 * - adding a member to a group, a group included (CreateGroupMember / UpdateGroupMember): the
 *   member gains every binding of that group and of every group it is nested in;
 * - acting as a service account (CreateServiceAccountKey): the key holder gains every right of
 *   the account, its groups' included;
 * - adding permissions to a role already bound (UpdateRole): every holder gains them;
 * - invitations (create, and again at accept): the invitee gains the invitation's roles in its
 *   scope, on the inviter's authority — which it must still hold when the invitation is accepted.
 *
 * Each gained right is a permission on a target (the binding's scope, or its grant's sub_scope
 * when that has no template): the caller must be allowed exactly that, by the ordinary evaluator.
 * Grant conditions are ignored when collecting what is gained, which can only make the rule
 * stricter. A caller holding {@link ESCALATE_PERMISSION} on the scope of the change (or, for keys,
 * {@link ACT_AS_PERMISSION} on the service account) is exempt, like Kubernetes' `escalate`/`bind`
 * verbs and GCP's `iam.serviceAccounts.actAs`.
 */
import { KeystreamError } from '@keystream/api';
import { groupEmailOf, type JsonObject } from '@keystream/domain';
import type { Authorizer } from './authorizer.js';
import { bindingEntryOf, type AuthzIndex, type BindingEntry } from './authzIndex.js';
import { ACT_AS_PERMISSION, ESCALATE_PERMISSION, iamPermissions } from './builtinRoles.js';

export { ACT_AS_PERMISSION, ESCALATE_PERMISSION };
import { actorOf, type Principal } from './principal.js';
import { scopeOfName, SYSTEM_SCOPE } from './scopes.js';


/** One right a change would give someone. */
export interface GainedRight {
  readonly permission: string;
  /** The scope whose bindings decide (as in an authorization request). */
  readonly scope: string;
  /** The name the permission applies to (the scope itself, a sub-scope, or an owned object). */
  readonly target: string;
  /** The binding (existing or proposed) it comes from, for the refusal message. */
  readonly via: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rights a RoleBinding gives its member (it need not be stored: a proposed one works too). */
export function rightsOfBinding(binding: BindingEntry, index: AuthzIndex): GainedRight[] {
  const rights: GainedRight[] = [];
  const inScope = (relative: string): string => (binding.scope === SYSTEM_SCOPE ? relative : `${binding.scope}/${relative}`);
  // Owned objects give every permission on them.
  for (const owned of binding.ownedObjects) {
    const target = owned === '-' ? binding.scope : inScope(owned);
    for (const permission of iamPermissions()) rights.push({ permission, scope: binding.scope, target, via: binding.name });
  }
  const role = index.role(binding.role);
  const grants = Array.isArray(role?.['grants']) ? (role['grants'] as unknown[]).filter(isObject) : [];
  for (const grant of grants) {
    const subScope = typeof grant['subScope'] === 'string' && grant['subScope'] !== '' && !grant['subScope'].includes('{') ? grant['subScope'] : undefined;
    const target = subScope === undefined ? binding.scope : inScope(subScope);
    const permissions = Array.isArray(grant['permissions']) ? grant['permissions'].filter((entry): entry is string => typeof entry === 'string') : [];
    for (const permission of permissions) rights.push({ permission, scope: binding.scope, target, via: binding.name });
  }
  return rights;
}

/** The rights every principal with these member strings holds (their bindings, groups expanded). */
export function rightsOfMembers(members: readonly string[], index: AuthzIndex): GainedRight[] {
  const expanded = index.expandGroups(members).filter((member) => member !== 'allUsers' && member !== 'allAuthenticatedUsers');
  return expanded.flatMap((member) => [...index.bindingsOf(member)].flatMap((binding) => rightsOfBinding(binding, index)));
}

/**
 * What a RoleBinding (as a request would make it, internal form) gives. Its `owned_objects` are
 * output-only — a request cannot set them, the decider drops them — so they are not counted.
 */
export function rightsGainedByBinding(resource: JsonObject, index: AuthzIndex): GainedRight[] {
  if (typeof resource['name'] !== 'string') return [];
  return rightsOfBinding({ ...bindingEntryOf(resource), ownedObjects: [] }, index);
}

/** What becoming a member of `groupName` gives: the group's bindings and those of every group it is in. */
export function rightsGainedByGroupMembership(groupName: string, index: AuthzIndex): GainedRight[] {
  return rightsOfMembers([`group:${groupEmailOf(groupName)}`], index);
}

/** What acting as a service account gives: everything the account holds. */
export function rightsGainedByActingAs(serviceAccountEmail: string, index: AuthzIndex): GainedRight[] {
  return rightsOfMembers([`serviceAccount:${serviceAccountEmail}`], index);
}

/**
 * What an invitation (the `Invitation` message, internal form) gives its invitee on acceptance: its
 * binding roles in `scope`, and membership of its groups.
 */
export function rightsGainedByInvitation(scope: string, invitation: JsonObject | undefined, index: AuthzIndex): GainedRight[] {
  if (invitation === undefined) return [];
  const roles = Array.isArray(invitation['bindingRoles']) ? invitation['bindingRoles'] : [];
  const prefix = scope === SYSTEM_SCOPE ? '' : `${scope}/`;
  const fromRoles = roles.flatMap((entry, position) => {
    const role = isObject(entry) && typeof entry['role'] === 'string' ? entry['role'] : typeof entry === 'string' ? entry : undefined;
    if (role === undefined) return [];
    const binding: JsonObject = { name: `${prefix}roleBindings/invitation-${position}`, role, member: 'invitee' };
    if (isObject(entry) && Array.isArray(entry['scopeParams'])) binding['scopeParams'] = entry['scopeParams'];
    return rightsOfBinding(bindingEntryOf(binding), index);
  });
  const groups = Array.isArray(invitation['groups']) ? invitation['groups'].filter((group): group is string => typeof group === 'string') : [];
  return [...fromRoles, ...groups.flatMap((group) => rightsGainedByGroupMembership(group, index))];
}

/**
 * What changing a Condition can give: it gates every binding that references it (directly, or
 * through its role's grants), so rewriting it — wider CIDRs, fewer exempted permissions — can open
 * any of those bindings' rights to their members. The caller must hold all of them.
 */
export function rightsGainedByConditionUpdate(conditionName: string, index: AuthzIndex): GainedRight[] {
  const references = (value: unknown): boolean => Array.isArray(value) && value.some((entry) => isObject(entry) && entry['condition'] === conditionName);
  const rights: GainedRight[] = [];
  for (const binding of index.allBindings()) {
    const role = index.role(binding.role);
    const grants = Array.isArray(role?.['grants']) ? (role['grants'] as unknown[]).filter(isObject) : [];
    if (binding.executableConditions.some((reference) => reference.condition === conditionName) || grants.some((grant) => references(grant['executableConditions']))) {
      rights.push(...rightsOfBinding(binding, index));
    }
  }
  return rights;
}

/** What adding permissions to a stored role gives: the new permissions, wherever it is bound. */
export function rightsGainedByRoleUpdate(roleName: string, before: readonly string[], after: readonly string[]): GainedRight[] {
  const added = after.filter((permission) => !before.includes(permission));
  if (added.length === 0) return [];
  // A role is bound in its own scope or below (or anywhere, for a service's role): holding the
  // permissions in the role's scope covers every place it can be bound.
  const scope = roleName.startsWith('services/') ? SYSTEM_SCOPE : scopeOfName(roleName);
  return added.map((permission) => ({ permission, scope, target: scope, via: roleName }));
}

/** The rights the caller lacks among `gained` (each distinct right once). */
export async function missingRights(authorizer: Authorizer, caller: Principal, gained: readonly GainedRight[], remoteAddress?: string): Promise<GainedRight[]> {
  const checked = new Set<string>();
  const missing: GainedRight[] = [];
  for (const right of gained) {
    const key = `${right.permission}\u0000${right.scope}\u0000${right.target}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const decision = await authorizer.check({ principal: caller, permission: right.permission, scope: right.scope, target: right.target, remoteAddress });
    if (!decision.allowed) missing.push(right);
  }
  return missing;
}

/** Options of {@link assertNoEscalation}. */
export interface NoEscalationOptions {
  /**
   * Where a single exempting permission is checked (acting as a service account: ACT_AS on the
   * account). Without it, {@link ESCALATE_PERMISSION} exempts each missing right only where that
   * right would be gained: escalate held in a project does not let one hand out system-wide rights.
   */
  readonly exemptAt?: { readonly scope: string; readonly target: string; readonly permission: string };
  readonly remoteAddress?: string | undefined;
  /** What is being done, for the refusal message ("add user:x to groups/g"). */
  readonly action: string;
}

/**
 * Refuses (PERMISSION_DENIED naming the first right that is neither held nor exempted) a change
 * through which someone would gain a right the caller does not hold. This is the function
 * invitation acceptance calls too, with the inviter (as it is now) as `caller`.
 */
export async function assertNoEscalation(authorizer: Authorizer, caller: Principal, gained: readonly GainedRight[], options: NoEscalationOptions): Promise<void> {
  if (gained.length === 0) return;
  const missing = await missingRights(authorizer, caller, gained, options.remoteAddress);
  if (missing.length === 0) return;
  const check = (permission: string, scope: string, target: string): Promise<boolean> =>
    authorizer.check({ principal: caller, permission, scope, target, remoteAddress: options.remoteAddress }).then((decision) => decision.allowed);
  const { exemptAt } = options;
  if (exemptAt !== undefined && (await check(exemptAt.permission, exemptAt.scope, exemptAt.target))) return;
  const firstUnexempted = async (): Promise<GainedRight | undefined> => {
    for (const right of missing) if (!(await check(ESCALATE_PERMISSION, right.scope, right.scope))) return right;
    return undefined;
  };
  const refused = exemptAt === undefined ? await firstUnexempted() : missing[0];
  if (refused === undefined) return;
  const where = refused.target === SYSTEM_SCOPE ? 'the system scope' : refused.target;
  const exemption = exemptAt === undefined ? `${ESCALATE_PERMISSION} there` : `${exemptAt.permission} on ${exemptAt.target}`;
  throw new KeystreamError(
    'PERMISSION_DENIED',
    `${actorOf(caller)} may not ${options.action}: it would grant ${refused.permission} on ${where} (through ${refused.via}), which ${actorOf(caller)} does not hold; that needs ${exemption}`,
  );
}
