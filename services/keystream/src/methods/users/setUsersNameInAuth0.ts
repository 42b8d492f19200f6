/**
 * SetUsersNameInAuth0: pushes the calling user's `full_name` to the identity provider, so its
 * login pages and mails greet them by the name keystream holds. FAILED_PRECONDITION when the User
 * has no name to push.
 */
import { KeystreamError } from '@keystream/api';
import { callingUserEmail } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { identityUserOf, requireCallingUser } from './userDirectory.js';

export const setUsersNameInAuth0: CustomMethod = {
  name: 'SetUsersNameInAuth0',
  async handle(call, deps) {
    const user = identityUserOf(await requireCallingUser(deps, callingUserEmail(call, 'SetUsersNameInAuth0')));
    if (user.fullName === undefined || user.fullName.trim() === '') {
      throw new KeystreamError('FAILED_PRECONDITION', `${user.name} has no full_name to set; update the User first`);
    }
    await deps.identity.setDisplayName(user, user.fullName);
    return { response: {} };
  },
};
