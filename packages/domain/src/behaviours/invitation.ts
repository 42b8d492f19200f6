/**
 * Organization and project invitations. The inviter is whoever makes the request; a new
 * invitation is PENDING and, unless the request says otherwise, expires after
 * {@link DEFAULT_INVITATION_VALIDITY_DAYS} days. The roles it would grant must exist.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import type { Reference, ResourceBehaviour } from './resourceBehaviour.js';

/** How long an invitation stays acceptable when the request sets no expiration_date. */
export const DEFAULT_INVITATION_VALIDITY_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

function invitationOf(resource: JsonObject): JsonObject {
  const invitation = resource['invitation'];
  return typeof invitation === 'object' && invitation !== null && !Array.isArray(invitation) ? invitation : {};
}

function bindingRoleReferences(resource: JsonObject): Reference[] {
  const roles = invitationOf(resource)['bindingRoles'];
  if (!Array.isArray(roles)) return [];
  return (roles as JsonObject[]).flatMap((bindingRole, index) =>
    typeof bindingRole['role'] === 'string' ? [{ kind: 'Role', name: bindingRole['role'], field: `invitation.binding_roles[${index}].role` }] : [],
  );
}

/** `now` plus the default validity, in the normalised timestamp form. */
function defaultExpiry(now: string): string {
  const expiry = new Date(Date.parse(now) + DEFAULT_INVITATION_VALIDITY_DAYS * DAY_MS).toISOString();
  return `${expiry.slice(0, 19)}.${expiry.slice(20, 23)}000000Z`;
}

/**
 * A new invitation is PENDING, from the actor, expiring by default. On updates nothing is derived:
 * state and inviter are output-only, so the generic decider already keeps the stored values.
 */
function deriveInvitation(resource: JsonObject, actor: string, now: string, previous: JsonObject | undefined): JsonObject {
  if (previous !== undefined) return resource;
  const invitation: JsonObject = { ...invitationOf(resource), state: 'PENDING' };
  if (actor.startsWith('user:')) invitation['inviterEmail'] = actor.slice('user:'.length);
  if (invitation['expirationDate'] === undefined) invitation['expirationDate'] = defaultExpiry(now);
  return { ...resource, invitation };
}

/** OrganizationInvitation. */
export const organizationInvitationBehaviour: ResourceBehaviour = {
  references: bindingRoleReferences,
  derive: (resource, context) => deriveInvitation(resource, context.actor, context.now, context.previous),
};

/** ProjectInvitation: also records the invited project's title, for the invitee's eyes. */
export const projectInvitationBehaviour: ResourceBehaviour = {
  references: bindingRoleReferences,
  derive: (resource, context) => {
    const derived = deriveInvitation(resource, context.actor, context.now, context.previous);
    const projectName = (resource['name'] as string).split('/').slice(0, 2).join('/');
    const title = context.references.get(projectName)?.['title'];
    delete derived['projectDisplayName'];
    if (typeof title === 'string') derived['projectDisplayName'] = title;
    return derived;
  },
};
