/** ResendVerificationEmail: the identity provider mails the calling user a verification link again. */
import { KeystreamError, type MessageOf } from '@keystream/api';
import { callingUserEmail } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { identityUserOf, requireCallingUser } from './userDirectory.js';

export const resendVerificationEmail: CustomMethod = {
  name: 'ResendVerificationEmail',
  async handle(call, deps) {
    const request = call.request as MessageOf<'ResendVerificationEmailRequest'>;
    const user = identityUserOf(await requireCallingUser(deps, callingUserEmail(call, 'ResendVerificationEmail')));
    if (await deps.identity.isEmailVerified(user)) {
      throw new KeystreamError('FAILED_PRECONDITION', `${user.email} is verified already; no mail was sent`);
    }
    await deps.identity.sendVerificationEmail(user, { clientId: request.clientId });
    return { response: {} };
  },
};
