/**
 * ResendProjectInvitation (reference) / ResendOrganizationInvitation (extension): a new code for
 * the invitee; the old one stops working (the code issue moves on); the expiry is pushed out to
 * now + the configured validity when that is later. A retry with the same request id sends
 * nothing again.
 */
import { KeystreamError } from '@keystream/api';
import { codeIssueOf, decideInvitation, timestampAfterDays, type InvitationKind, type JsonObject } from '@keystream/domain';
import type { HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import { issueInvitationCode } from '../invitationCodes.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { notifyInvitee } from '../invitationNotices.js';

/** The handler of Resend…Invitation. */
export function resendInvitationHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const name = call.request['name'];
    if (typeof name !== 'string' || name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required: the invitation to send again' }]);
    const kind = call.method.resource as InvitationKind;
    const expirationDate = timestampAfterDays(call.envelope.occurredAt, deps.validityDays);
    const result = await deps.commands.decideAndAppend(kind, name, (state, context) => decideInvitation({ type: 'resend', kind, name, expirationDate }, state, context), call.envelope);
    const invitation = result.resource as JsonObject;
    if (!result.replayed) {
      const issue = codeIssueOf(invitation);
      const code = await issueInvitationCode(deps, { kind, invitation: name, issue }, call.envelope.actor, result.eventId ?? call.envelope.causationId);
      await notifyInvitee(deps, kind, invitation, code, issue);
    }
    return { response: {}, position: result.position };
  };
}
