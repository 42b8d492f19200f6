/**
 * The built-in Permissions, Roles and RoleBindings keystream seeds at first start, derived from the
 * contract's method table so a new method's permission lands in the right roles by itself.
 *
 * - `scope-admin`: every iam permission. Bound in a scope it administers that scope and below.
 * - `scope-editor`: every permission except administering access (roles, role bindings,
 *   permissions, conditions writes) and deleting users.
 * - `scope-viewer`: every read permission (Get, BatchGet, List, Search, Watch, Check…).
 * - `self-service`: what every signed-in principal may do about itself (ListMy…, SearchMy…,
 *   CheckMyRoleBindings, Get/SetMySettings, IsUserVerified, ResendVerificationEmail,
 *   ResetMFAIfRecoveryKeyUsed, SetUsersNameInAuth0, invitations addressed to it, claiming a
 *   service name reserved for it: RegisterService, which the reservation itself decides); bound
 *   to `allAuthenticatedUsers` at the system scope.
 * - `public`: RefreshUserFromIdToken (the token in the request is the proof); bound to `allUsers`.
 */
import { ALL_METHODS as METHODS } from '@keystream/api';

/** The service whose permissions keystream serves. */
export const IAM_SERVICE = 'services/iam.edgelq.com';
/** Names of the built-in roles. */
export const BUILTIN_ROLES = {
  admin: `${IAM_SERVICE}/roles/scope-admin`,
  editor: `${IAM_SERVICE}/roles/scope-editor`,
  viewer: `${IAM_SERVICE}/roles/scope-viewer`,
  selfService: `${IAM_SERVICE}/roles/self-service`,
  public: `${IAM_SERVICE}/roles/public`,
} as const;

/**
 * keystream's own permissions beyond the contract's (docs/security.md, "No escalation"): granting
 * rights one does not hold, and creating keys for a service account holding more than oneself.
 * Only `scope-admin` holds them among the built-in roles.
 */
export const ESCALATE_PERMISSION = `${IAM_SERVICE}/permissions/keystream.escalate`;
/** See {@link ESCALATE_PERMISSION}. */
export const ACT_AS_PERMISSION = `${IAM_SERVICE}/permissions/serviceAccounts.actAs`;
const KEYSTREAM_PERMISSIONS = [ESCALATE_PERMISSION, ACT_AS_PERMISSION] as const;

/** A resource to seed, in internal (camelCase) form. */
export interface SeedResource {
  readonly kind: 'Permission' | 'Role' | 'RoleBinding';
  readonly resource: Readonly<Record<string, unknown>>;
}

/** Every permission the contract and keystream's extension methods name, sorted. */
export function iamPermissions(): string[] {
  return [...new Set(METHODS.flatMap((method) => (method.permission === undefined ? [] : [method.permission])))].sort();
}

const ADMINISTRATIVE = /\/permissions\/(roles|roleBindings|permissions|conditions)\.(create|update|delete)$|\/permissions\/users\.(delete|deleteUsersByCriteria|create)$/;
const SELF_SERVICE = /\.(listMy|searchMy|checkMy|getMySettings|setMySettings|isUserVerified|resendVerificationEmail|resetMFAIfRecoveryKeyUsed|setUsersNameInAuth0|accept|decline|listMyServiceProjects)$|\/permissions\/services\.register$/;

function readPermissions(): string[] {
  return iamPermissions().filter((permission) => METHODS.some((method) => method.permission === permission && method.kind !== 'write'));
}

function role(name: string, displayName: string, permissions: readonly string[]): SeedResource {
  return { kind: 'Role', resource: { name, displayName, category: 'PUBLIC', grants: [{ permissions: [...permissions] }] } };
}

/** The roles and permissions to seed. */
export function builtinSeed(): SeedResource[] {
  const all = iamPermissions();
  const permissions: SeedResource[] = [...all, ...KEYSTREAM_PERMISSIONS].map((permission) => ({
    kind: 'Permission',
    resource: { name: permission, title: permission.slice(permission.lastIndexOf('/') + 1) },
  }));
  return [
    ...permissions,
    role(BUILTIN_ROLES.admin, 'Scope administrator', [...all, ...KEYSTREAM_PERMISSIONS]),
    role(BUILTIN_ROLES.editor, 'Scope editor', all.filter((permission) => !ADMINISTRATIVE.test(permission))),
    role(BUILTIN_ROLES.viewer, 'Scope viewer', readPermissions()),
    role(BUILTIN_ROLES.selfService, 'Self service', all.filter((permission) => SELF_SERVICE.test(permission))),
    role(BUILTIN_ROLES.public, 'Public', [`${IAM_SERVICE}/permissions/users.refreshUserFromIdToken`]),
    { kind: 'RoleBinding', resource: { name: 'roleBindings/builtin-self-service', role: BUILTIN_ROLES.selfService, member: 'allAuthenticatedUsers' } },
    { kind: 'RoleBinding', resource: { name: 'roleBindings/builtin-public', role: BUILTIN_ROLES.public, member: 'allUsers' } },
  ];
}

/** The system-scope binding that makes `member` an administrator of everything. */
export function bootstrapAdminBinding(member: string): SeedResource {
  const id = member.replace(/[^a-zA-Z0-9_.-]/g, '.').slice(0, 100);
  return { kind: 'RoleBinding', resource: { name: `roleBindings/bootstrap-admin.${id}`, role: BUILTIN_ROLES.admin, member } };
}
