/**
 * What an accepted invitation grants: a RoleBinding per binding role (with its scope params and
 * executable conditions) and a GroupMember per group, for the acceptor. Names and request ids are
 * derived from the invitation and the accept event, so running it again (a retried accept, or the
 * process manager after a crash between accepting and granting) creates nothing twice.
 */
import { isKeystreamError } from '@keystream/api';
import { invitationOf, invitationScopeOf, type JsonObject } from '@keystream/domain';
import { comparePositions } from '@keystream/eventstore';
import { createHash } from 'node:crypto';
import { reactionEnvelope, type CausingEvent } from '@keystream/service-api';
import type { InvitationDeps } from './invitationDeps.js';

function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 29);
}

/** The resources an accepted invitation grants, by kind and full resource. */
export function grantsOf(invitation: JsonObject, acceptor: string): { kind: 'RoleBinding' | 'GroupMember'; resource: JsonObject }[] {
  const name = invitation['name'] as string;
  const scope = invitationScopeOf(name);
  const id = name.slice(name.lastIndexOf('/') + 1);
  const body = invitationOf(invitation);
  const roles = Array.isArray(body['bindingRoles']) ? (body['bindingRoles'] as JsonObject[]) : [];
  const groups = Array.isArray(body['groups']) ? body['groups'].filter((group): group is string => typeof group === 'string') : [];
  return [
    ...roles.map((bindingRole, index) => {
      const resource: JsonObject = { name: `${scope}/roleBindings/invitation.${id}.${index}`, role: bindingRole['role'] ?? '', member: acceptor };
      if (Array.isArray(bindingRole['scopeParams']) && bindingRole['scopeParams'].length > 0) resource['scopeParams'] = bindingRole['scopeParams'];
      if (Array.isArray(bindingRole['executableConditions']) && bindingRole['executableConditions'].length > 0) resource['executableConditions'] = bindingRole['executableConditions'];
      return { kind: 'RoleBinding' as const, resource };
    }),
    ...groups.map((group) => ({ kind: 'GroupMember' as const, resource: { name: `${group}/groupMembers/i${shortHash(name, acceptor)}`, member: acceptor } })),
  ];
}

/** Creates the grants of an accepted invitation; returns the position of the last write. */
export async function grantInvitation(deps: Pick<InvitationDeps, 'commands' | 'clock'>, invitation: JsonObject, acceptor: string, accepted: CausingEvent): Promise<string> {
  let position = '';
  for (const [index, grant] of grantsOf(invitation, acceptor).entries()) {
    try {
      const result = await deps.commands.execute(
        { type: 'create', kind: grant.kind, resource: grant.resource },
        reactionEnvelope(accepted, `:grant:${index}`, deps.clock()),
      );
      if (position === '' || comparePositions(result.position, position) > 0) position = result.position;
    } catch (error) {
      // Made by an earlier run (the process manager, or the accept itself).
      if (!(isKeystreamError(error) && error.code === 'ALREADY_EXISTS')) throw error;
    }
  }
  return position;
}
