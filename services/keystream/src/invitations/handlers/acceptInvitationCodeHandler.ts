/**
 * AcceptInvitationCode (`POST /v1/invitations:acceptCode`, beyond the reference): redeems an
 * accept code for the signed-in caller, for a named invitation (the code came by mail) or a
 * bearer code (made in bulk: the first signed-in user who presents it). An unknown code is
 * refused without saying more.
 */
import { KeystreamError } from '@keystream/api';
import { actorOf } from '@keystream/authz';
import type { HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import { acceptInvitation } from '../acceptInvitation.js';
import { registrationOfCode } from '../invitationCodes.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { emailProofOf } from './acceptInvitationHandler.js';

/** The handler of AcceptInvitationCode. */
export function acceptInvitationCodeHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const code = call.request['code'];
    if (typeof code !== 'string' || code === '') throw KeystreamError.invalidArgument([{ field: 'code', description: 'required: the invitation code' }]);
    // Only a signed-in principal may redeem (anonymous is told to authenticate).
    emailProofOf(call.principal);
    const registration = await registrationOfCode(deps, code);
    if (registration === undefined) throw new KeystreamError('PERMISSION_DENIED', 'this invitation code is not valid');
    const outcome = await acceptInvitation(deps, registration.kind, registration.invitation, actorOf(call.principal), { by: 'code', issue: registration.issue }, call.envelope);
    return { response: { name: registration.invitation }, position: outcome.position };
  };
}
