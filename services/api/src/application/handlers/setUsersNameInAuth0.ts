/**
 * SetUsersNameInAuth0: pushes the calling user's `full_name` to the identity provider, so its
 * login pages and mails greet them by the name keystream holds. FAILED_PRECONDITION when the User
 * has no name to push.
 */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';
import { callingUserEmail, identityUserOf, requireCallingUser } from '../users/userDirectory.js';

export const setUsersNameInAuth0: MethodHandler<'SetUsersNameInAuth0'> = async (_request, { app, principal }) => {
  const user = identityUserOf(await requireCallingUser(app, callingUserEmail(principal, 'SetUsersNameInAuth0')));
  if (user.fullName === undefined || user.fullName.trim() === '') {
    throw new KeystreamError('FAILED_PRECONDITION', `${user.name} has no full_name to set; update the User first`);
  }
  await app.identity.setDisplayName(user, user.fullName);
  return { response: {} };
};
