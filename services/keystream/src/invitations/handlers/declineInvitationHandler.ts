/** DeclineProjectInvitation / DeclineOrganizationInvitation: the invitee says no. */
import { KeystreamError } from '@keystream/api';
import { actorOf } from '@keystream/authz';
import { decideInvitation, type InvitationKind } from '@keystream/domain';
import type { HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { emailProofOf } from './acceptInvitationHandler.js';

/** The handler of Decline…Invitation. */
export function declineInvitationHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const name = call.request['name'];
    if (typeof name !== 'string' || name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the invitation to decline' }]);
    const kind = call.method.resource as InvitationKind;
    const command = { type: 'decline', kind, name, decliner: actorOf(call.principal), proof: emailProofOf(call.principal) } as const;
    const result = await deps.commands.decideAndAppend(kind, name, (state, context) => decideInvitation(command, state, context), call.envelope);
    return { response: {}, position: result.position };
  };
}
