/**
 * Organization and project invitations (create and update; accept, decline, expiry and resend are
 * decided by decideInvitation).
 *
 * A new invitation is PENDING, from the actor (inviter_email and inviter_actor), and expires after
 * {@link DEFAULT_INVITATION_VALIDITY_DAYS} days unless the request says when (at most
 * {@link MAX_INVITATION_VALIDITY_DAYS} days ahead, never in the past). What it would grant is
 * checked when it is made: the invitee email is an address, each binding role exists, may be bound
 * in the invitation's scope (a role of that scope, of an organization above it, of the system, or
 * of a service) and gets every scope param its role needs; each group exists in that scope chain.
 *
 * Only PENDING invitations change. An update that changes what is granted (binding roles, groups)
 * makes the updater the inviter: accept checks the inviter's rights, so whoever decided what is
 * granted must be the one whose rights count.
 */
import { KeystreamError, type FieldViolation } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';
import { INVITATION_ANNOTATIONS, isReservedInvitationAnnotation } from '../invitations/invitationAnnotations.js';
import { inviterActorOf } from '../invitations/inviterActor.js';
import { expandOwnedObjects } from './roleBinding.js';
import type { DeriveContext, Reference, ResourceBehaviour } from './resourceBehaviour.js';

/** How long an invitation stays acceptable when the request sets no expiration_date. */
export const DEFAULT_INVITATION_VALIDITY_DAYS = 7;
/** The longest validity an invitation may be given. */
export const MAX_INVITATION_VALIDITY_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const EMAIL = /^[^\s@:]+@[^\s@:]+\.[^\s@:]+$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Invitation message of an invitation resource. */
export function invitationOf(resource: JsonObject): JsonObject {
  const invitation = resource['invitation'];
  return isObject(invitation) ? invitation : {};
}

function bindingRolesOf(resource: JsonObject): JsonObject[] {
  const roles = invitationOf(resource)['bindingRoles'];
  return Array.isArray(roles) ? roles.filter(isObject) : [];
}

function groupsOf(resource: JsonObject): string[] {
  const groups = invitationOf(resource)['groups'];
  return Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [];
}

function invitationReferences(resource: JsonObject): Reference[] {
  return [
    ...bindingRolesOf(resource).flatMap((bindingRole, index) =>
      typeof bindingRole['role'] === 'string' ? [{ kind: 'Role' as const, name: bindingRole['role'], field: `invitation.binding_roles[${index}].role` }] : [],
    ),
    ...groupsOf(resource).map((group, index) => ({ kind: 'Group' as const, name: group, field: `invitation.groups[${index}]` })),
  ];
}

/** The scope of an invitation: `projects/p` or `organizations/o`. */
export function invitationScopeOf(name: string): string {
  return name.split('/').slice(0, 2).join('/');
}

/** The scope a role, group or other scoped resource lives in (`''` for the system scope). */
function scopeOfResourceName(name: string): string {
  const parts = name.split('/');
  return parts.length >= 4 ? parts.slice(0, 2).join('/') : '';
}

/** `now` plus days, in the normalised timestamp form. */
export function timestampAfterDays(now: string, days: number): string {
  const expiry = new Date(Date.parse(now) + days * DAY_MS).toISOString();
  return `${expiry.slice(0, 19)}.${expiry.slice(20, 23)}000000Z`;
}

function validateInvitation(resource: JsonObject): FieldViolation[] {
  const invitation = invitationOf(resource);
  const email = invitation['inviteeEmail'];
  const violations: FieldViolation[] = [];
  // A code made without a named invitee (bulk codes) is redeemed by whoever presents it.
  const bearer = isObject(resource['metadata']) && isObject(resource['metadata']['annotations']) && resource['metadata']['annotations'][INVITATION_ANNOTATIONS.bearerCode] === 'true';
  if (!bearer && (typeof email !== 'string' || !EMAIL.test(email))) {
    violations.push({ field: 'invitation.invitee_email', description: 'required: the email address of the person invited, e.g. bob@example.com' });
  }
  bindingRolesOf(resource).forEach((bindingRole, index) => {
    if (typeof bindingRole['role'] !== 'string' || bindingRole['role'] === '') violations.push({ field: `invitation.binding_roles[${index}].role`, description: 'required: the role to grant' });
  });
  if (bindingRolesOf(resource).length === 0 && groupsOf(resource).length === 0) {
    violations.push({ field: 'invitation.binding_roles', description: 'an invitation grants at least one binding role or group' });
  }
  return violations;
}

/** The scopes whose roles and groups may be granted in `scope`: the system, its organizations, itself. */
function grantableScopes(scope: string, context: DeriveContext): Set<string> {
  const scopeResource = context.references.get(scope);
  const ancestry = Array.isArray(scopeResource?.['ancestryPath']) ? (scopeResource['ancestryPath'] as string[]) : [];
  return new Set(['', ...ancestry, scope]);
}

function checkGrants(resource: JsonObject, context: DeriveContext): void {
  const scope = invitationScopeOf(resource['name'] as string);
  const allowed = grantableScopes(scope, context);
  const violations: FieldViolation[] = [];
  bindingRolesOf(resource).forEach((bindingRole, index) => {
    const roleName = bindingRole['role'] as string;
    const field = `invitation.binding_roles[${index}]`;
    if (!roleName.startsWith('services/') && !allowed.has(scopeOfResourceName(roleName))) {
      violations.push({ field: `${field}.role`, description: `role ${roleName} cannot be bound in ${scope}: use a role of ${scope}, of an organization above it, of the system or of a service` });
      return;
    }
    const role = context.references.get(roleName) ?? {};
    const given = new Map<string, readonly string[] | 'deferred'>();
    for (const param of Array.isArray(bindingRole['scopeParams']) ? (bindingRole['scopeParams'] as JsonObject[]) : []) {
      if (typeof param['name'] !== 'string') continue;
      const single = isObject(param['string']) ? param['string']['value'] : undefined;
      const several = isObject(param['strings']) ? param['strings']['values'] : undefined;
      if (typeof single === 'string') given.set(param['name'], [single]);
      else if (Array.isArray(several)) given.set(param['name'], several.filter((value): value is string => typeof value === 'string'));
      else if (param['valueFrom'] !== undefined) given.set(param['name'], 'deferred');
    }
    const declared = Array.isArray(role['scopeParams']) ? (role['scopeParams'] as JsonObject[]) : [];
    for (const param of declared) {
      if (typeof param['name'] === 'string' && !given.has(param['name'])) {
        violations.push({ field: `${field}.scope_params`, description: `role ${roleName} needs scope param "${param['name']}"` });
      }
    }
    try {
      expandOwnedObjects(Array.isArray(role['ownedObjects']) ? (role['ownedObjects'] as string[]) : [], given, roleName);
    } catch (error) {
      violations.push({ field: `${field}.scope_params`, description: error instanceof KeystreamError ? (error.details[0] as { description?: string } | undefined)?.description ?? error.message : String(error) });
    }
  });
  groupsOf(resource).forEach((group, index) => {
    if (!allowed.has(scopeOfResourceName(group))) {
      violations.push({ field: `invitation.groups[${index}]`, description: `group ${group} is not in ${scope} or a scope above it` });
    }
  });
  if (violations.length > 0) throw KeystreamError.invalidArgument(violations);
}

function checkExpiry(expiration: unknown, now: string): void {
  if (typeof expiration !== 'string') return;
  const at = Date.parse(expiration);
  if (at <= Date.parse(now)) throw KeystreamError.invalidArgument([{ field: 'invitation.expiration_date', description: `${expiration} is not in the future` }]);
  if (at > Date.parse(now) + MAX_INVITATION_VALIDITY_DAYS * DAY_MS) {
    throw KeystreamError.invalidArgument([{ field: 'invitation.expiration_date', description: `at most ${MAX_INVITATION_VALIDITY_DAYS} days ahead` }]);
  }
}

function metadataOf(resource: JsonObject): JsonObject {
  return isObject(resource['metadata']) ? resource['metadata'] : {};
}

/** The annotations with the reserved ones taken from `source` (the server's, never the caller's). */
function withReservedAnnotations(resource: JsonObject, source: JsonObject | undefined, extra: Readonly<Record<string, string>> = {}): JsonObject {
  const incoming = isObject(metadataOf(resource)['annotations']) ? (metadataOf(resource)['annotations'] as JsonObject) : {};
  const kept = isObject(metadataOf(source ?? {})['annotations']) ? (metadataOf(source ?? {})['annotations'] as JsonObject) : {};
  const annotations: JsonObject = {};
  for (const [key, value] of Object.entries(incoming)) if (!isReservedInvitationAnnotation(key)) annotations[key] = value;
  for (const [key, value] of Object.entries(kept)) if (isReservedInvitationAnnotation(key)) annotations[key] = value;
  Object.assign(annotations, extra);
  const metadata: JsonObject = { ...metadataOf(resource) };
  if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
  else delete metadata['annotations'];
  return { ...resource, metadata };
}

function deriveInvitation(resource: JsonObject, context: DeriveContext): JsonObject {
  const previous = context.previous;
  if (previous !== undefined) {
    const state = invitationOf(previous)['state'];
    if (state !== 'PENDING') throw new KeystreamError('FAILED_PRECONDITION', `${previous['name'] as string} is ${typeof state === 'string' ? state : 'in no state'}; only a PENDING invitation can be changed`);
    const grantsChanged =
      JSON.stringify(bindingRolesOf(previous)) !== JSON.stringify(bindingRolesOf(resource)) || JSON.stringify(groupsOf(previous)) !== JSON.stringify(groupsOf(resource));
    if (grantsChanged) checkGrants(resource, context);
    if (invitationOf(resource)['expirationDate'] !== invitationOf(previous)['expirationDate']) checkExpiry(invitationOf(resource)['expirationDate'], context.now);
    const invitation: JsonObject = { ...invitationOf(resource) };
    if (grantsChanged) Object.assign(invitation, inviterFieldsOf(context.actor));
    // An update keeps who accepted/created the code: those annotations are the server's.
    const bearer = metadataOf(previous)['annotations'];
    const keptBearer = isObject(bearer) && bearer[INVITATION_ANNOTATIONS.bearerCode] === 'true';
    return withReservedAnnotations({ ...resource, invitation }, previous, keptBearer ? { [INVITATION_ANNOTATIONS.bearerCode]: 'true' } : {});
  }
  checkGrants(resource, context);
  const given = invitationOf(resource);
  checkExpiry(given['expirationDate'], context.now);
  const email = given['inviteeEmail'];
  const invitation: JsonObject = {
    ...given,
    ...(typeof email === 'string' ? { inviteeEmail: email.toLowerCase() } : {}),
    ...inviterFieldsOf(context.actor),
    state: 'PENDING',
  };
  if (invitation['expirationDate'] === undefined) invitation['expirationDate'] = timestampAfterDays(context.now, DEFAULT_INVITATION_VALIDITY_DAYS);
  const annotations = metadataOf(resource)['annotations'];
  const bearer = isObject(annotations) && annotations[INVITATION_ANNOTATIONS.bearerCode] === 'true';
  return withReservedAnnotations({ ...resource, invitation }, undefined, { [INVITATION_ANNOTATIONS.codeIssue]: '1', ...(bearer ? { [INVITATION_ANNOTATIONS.bearerCode]: 'true' } : {}) });
}

/** inviter_email and inviter_actor of an actor (the system invites as nobody in particular). */
function inviterFieldsOf(actor: string): JsonObject {
  const fields: JsonObject = {};
  if (actor.startsWith('user:')) fields['inviterEmail'] = actor.slice('user:'.length);
  if (actor.startsWith('serviceAccount:')) fields['inviterEmail'] = actor.slice('serviceAccount:'.length);
  const inviterActor = inviterActorOf(actor);
  if (inviterActor !== undefined) fields['inviterActor'] = inviterActor;
  return fields;
}

/** OrganizationInvitation. */
export const organizationInvitationBehaviour: ResourceBehaviour = {
  references: invitationReferences,
  validate: validateInvitation,
  derive: deriveInvitation,
};

/** ProjectInvitation: also records the invited project's title, for the invitee's eyes. */
export const projectInvitationBehaviour: ResourceBehaviour = {
  references: invitationReferences,
  validate: validateInvitation,
  derive: (resource, context) => {
    const derived = deriveInvitation(resource, context);
    const projectName = invitationScopeOf(resource['name'] as string);
    const title = context.references.get(projectName)?.['title'];
    delete derived['projectDisplayName'];
    if (typeof title === 'string') derived['projectDisplayName'] = title;
    return derived;
  },
};
