/** The invitation methods and their handlers, by method name. */
import type { MethodName } from '@keystream/api';
import type { AnyMethodHandler } from '@keystream/service-api';
import { asRegistryHandler } from '../methods/methodHandler.js';
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
export function invitationHandlers(deps: InvitationDeps): Map<MethodName, AnyMethodHandler> {
  const handlers = new Map<MethodName, AnyMethodHandler>();
  for (const scope of ['Project', 'Organization'] as const) {
    handlers.set(`Create${scope}Invitation`, asRegistryHandler(createInvitationHandler(deps)));
    handlers.set(`Accept${scope}Invitation`, asRegistryHandler(acceptInvitationHandler(deps)));
    handlers.set(`Decline${scope}Invitation`, asRegistryHandler(declineInvitationHandler(deps)));
    handlers.set(`Resend${scope}Invitation`, asRegistryHandler(resendInvitationHandler(deps)));
    handlers.set(`ListMy${scope}Invitations`, asRegistryHandler(listMyInvitationsHandler(deps)));
    handlers.set(`BatchCreate${scope}Invitations`, asRegistryHandler(batchCreateInvitationsHandler(deps)));
    handlers.set(`Create${scope}InvitationCodes`, asRegistryHandler(createInvitationCodesHandler(deps)));
  }
  handlers.set('AcceptInvitationCode', asRegistryHandler(acceptInvitationCodeHandler(deps)));
  return handlers;
}
