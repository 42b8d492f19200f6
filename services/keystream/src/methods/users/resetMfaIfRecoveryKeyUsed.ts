/**
 * ResetMFAIfRecoveryKeyUsed: when the calling user signed in with a recovery key since enrolling
 * their second factor, the identity provider removes their factors so they enrol a new one at the
 * next login; otherwise nothing changes. Both answer empty: the caller cannot tell a reset from
 * none, which is the point of asking the provider rather than trusting the client.
 */
import { callingUserEmail } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { identityUserOf, requireCallingUser } from './userDirectory.js';

export const resetMfaIfRecoveryKeyUsed: CustomMethod = {
  name: 'ResetMFAIfRecoveryKeyUsed',
  async handle(call, deps) {
    const user = await requireCallingUser(deps, callingUserEmail(call, 'ResetMFAIfRecoveryKeyUsed'));
    await deps.identity.resetMfaIfRecoveryKeyUsed(identityUserOf(user));
    return { response: {} };
  },
};
