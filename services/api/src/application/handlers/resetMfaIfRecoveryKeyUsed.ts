/**
 * ResetMFAIfRecoveryKeyUsed: when the calling user signed in with a recovery key since enrolling
 * their second factor, the identity provider removes their factors so they enrol a new one at the
 * next login; otherwise nothing changes. Both answer empty.
 */
import type { MethodHandler } from '../methodHandler.js';
import { callingUserEmail, identityUserOf, requireCallingUser } from '../users/userDirectory.js';

export const resetMfaIfRecoveryKeyUsed: MethodHandler<'ResetMFAIfRecoveryKeyUsed'> = async (_request, { app, principal }) => {
  const user = await requireCallingUser(app, callingUserEmail(principal, 'ResetMFAIfRecoveryKeyUsed'));
  await app.identity.resetMfaIfRecoveryKeyUsed(identityUserOf(user));
  return { response: {} };
};
