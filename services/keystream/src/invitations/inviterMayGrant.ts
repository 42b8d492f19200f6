/**
 * No escalation through invitations: at accept time the invitee gains nothing the inviter could
 * not grant right then. Each binding the invitation would create must be one the inviter may
 * create itself (roleBindings.create in the scope, the binding being the resource), and each group
 * one it may add members to (groupMembers.create). An inviter that lost the right since inviting
 * makes the invitation useless. Kept small and separate so a stricter rule can replace it.
 */
import type { Authorizer, Principal } from '@keystream/authz';
import { IAM_SERVICE, scopeOfName } from '@keystream/authz';
import { invitationOf, invitationScopeOf, type JsonObject } from '@keystream/domain';

/** The inviter of an invitation as a principal; undefined when the system made it. */
export function inviterPrincipalOf(invitation: JsonObject): Principal | undefined {
  const body = invitationOf(invitation);
  const email = body['inviterEmail'];
  if (typeof email !== 'string' || email === '') return undefined;
  const actor = body['inviterActor'];
  const isUser = typeof actor === 'object' && actor !== null && !Array.isArray(actor) && typeof actor['user'] === 'string';
  if (isUser || !email.endsWith('.serviceaccounts.iam.edgelq.com')) return { kind: 'user', email, issuer: 'invitation', emailVerified: true };
  return { kind: 'serviceAccount', email, name: '', keyName: '' };
}

/** Why the inviter cannot grant what the invitation grants (undefined when it can). */
export async function inviterCannotGrant(authorizer: Authorizer, invitation: JsonObject, member: string): Promise<string | undefined> {
  const inviter = inviterPrincipalOf(invitation);
  // Invitations the system made (no inviter) are the system's to grant.
  if (inviter === undefined) return undefined;
  const scope = invitationScopeOf(invitation['name'] as string);
  const body = invitationOf(invitation);
  const roles = Array.isArray(body['bindingRoles']) ? (body['bindingRoles'] as JsonObject[]) : [];
  for (const bindingRole of roles) {
    const binding: JsonObject = { name: `${scope}/roleBindings/invitation`, role: bindingRole['role'] ?? '', member };
    if (bindingRole['scopeParams'] !== undefined) binding['scopeParams'] = bindingRole['scopeParams'];
    if (bindingRole['executableConditions'] !== undefined) binding['executableConditions'] = bindingRole['executableConditions'];
    const decision = await authorizer.check({
      principal: inviter,
      permission: `${IAM_SERVICE}/permissions/roleBindings.create`,
      scope,
      target: binding['name'] as string,
      request: { parent: scope, roleBinding: binding },
      resource: () => Promise.resolve(binding),
    });
    if (!decision.allowed) return `the inviter ${body['inviterEmail'] as string} can no longer grant role ${typeof bindingRole['role'] === 'string' ? bindingRole['role'] : '(none)'} in ${scope}`;
  }
  const groups = Array.isArray(body['groups']) ? body['groups'].filter((group): group is string => typeof group === 'string') : [];
  for (const group of groups) {
    const memberResource: JsonObject = { name: `${group}/groupMembers/invitation`, member };
    const decision = await authorizer.check({
      principal: inviter,
      permission: `${IAM_SERVICE}/permissions/groupMembers.create`,
      scope: scopeOfName(group),
      target: memberResource['name'] as string,
      request: { parent: group, groupMember: memberResource },
      resource: () => Promise.resolve(memberResource),
    });
    if (!decision.allowed) return `the inviter ${body['inviterEmail'] as string} can no longer add members to group ${group}`;
  }
  return undefined;
}
