/** ResendVerificationEmail: the identity provider mails the calling user a verification link again. */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';
import { callingUserEmail, identityUserOf, requireCallingUser } from '../users/userDirectory.js';

export const resendVerificationEmail: MethodHandler<'ResendVerificationEmail'> = async (request, { app, principal }) => {
  const user = identityUserOf(await requireCallingUser(app, callingUserEmail(principal, 'ResendVerificationEmail')));
  if (await app.identity.isEmailVerified(user)) {
    throw new KeystreamError('FAILED_PRECONDITION', `${user.email} is verified already; no mail was sent`);
  }
  await app.identity.sendVerificationEmail(user, { clientId: request.clientId });
  return { response: {} };
};
