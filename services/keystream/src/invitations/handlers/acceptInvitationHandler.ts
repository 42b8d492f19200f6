/**
 * AcceptProjectInvitation / AcceptOrganizationInvitation by name: the caller must be the invitee,
 * signed in with a verified email equal (case-insensitively) to the invitee's.
 */
import { KeystreamError } from '@keystream/api';
import { actorOf, type Principal } from '@keystream/authz';
import type { AcceptProof, InvitationKind } from '@keystream/domain';
import type { HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import { acceptInvitation } from '../acceptInvitation.js';
import type { InvitationDeps } from '../invitationDeps.js';

/** How a signed-in principal proves it is the invitee of a named invitation. */
export function emailProofOf(principal: Principal): AcceptProof {
  switch (principal.kind) {
    case 'user':
      return { by: 'email', email: principal.email, emailVerified: principal.emailVerified === true };
    case 'serviceAccount':
      // Its email is the account's own, proven by its key.
      return { by: 'email', email: principal.email, emailVerified: true };
    case 'anonymous':
      throw new KeystreamError('UNAUTHENTICATED', 'accepting an invitation needs a signed-in caller: send "Authorization: Bearer <token>"', [], { headers: { 'www-authenticate': 'Bearer realm="keystream"' } });
    default: {
      const unreachable: never = principal;
      throw new Error(`unknown principal ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The handler of Accept…Invitation. */
export function acceptInvitationHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const name = call.request['name'];
    if (typeof name !== 'string' || name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the invitation to accept' }]);
    const proof = emailProofOf(call.principal);
    const outcome = await acceptInvitation(deps, call.method.resource as InvitationKind, name, actorOf(call.principal), proof, call.envelope);
    return { response: {}, position: outcome.position };
  };
}
