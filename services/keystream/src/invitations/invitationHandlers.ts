/** The invitation methods and their handlers, by method name. */
import type { MethodHandler } from '../methods/methodHandler.js';
import { acceptInvitationCodeHandler } from './handlers/acceptInvitationCodeHandler.js';
import { acceptInvitationHandler } from './handlers/acceptInvitationHandler.js';
import { batchCreateInvitationsHandler } from './handlers/batchCreateInvitationsHandler.js';
import { createInvitationCodesHandler } from './handlers/createInvitationCodesHandler.js';
import { createInvitationHandler } from './handlers/createInvitationHandler.js';
import { declineInvitationHandler } from './handlers/declineInvitationHandler.js';
import { listMyInvitationsHandler } from './handlers/listMyInvitationsHandler.js';
import { resendInvitationHandler } from './handlers/resendInvitationHandler.js';
import type { InvitationDeps } from './invitationDeps.js';

/** Every invitation method keystream serves beyond the generic lifecycle. */
export function invitationHandlers(deps: InvitationDeps): Map<string, MethodHandler> {
  const handlers = new Map<string, MethodHandler>();
  for (const scope of ['Project', 'Organization'] as const) {
    handlers.set(`Create${scope}Invitation`, createInvitationHandler(deps));
    handlers.set(`Accept${scope}Invitation`, acceptInvitationHandler(deps));
    handlers.set(`Decline${scope}Invitation`, declineInvitationHandler(deps));
    handlers.set(`Resend${scope}Invitation`, resendInvitationHandler(deps));
    handlers.set(`ListMy${scope}Invitations`, listMyInvitationsHandler(deps));
    handlers.set(`BatchCreate${scope}Invitations`, batchCreateInvitationsHandler(deps));
    handlers.set(`Create${scope}InvitationCodes`, createInvitationCodesHandler(deps));
  }
  handlers.set('AcceptInvitationCode', acceptInvitationCodeHandler(deps));
  return handlers;
}
