/**
 * IsUserVerified: answers (empty) when the calling user's address is verified at the identity
 * provider, FAILED_PRECONDITION when it is not. A verification the User resource had not heard of
 * yet is written to it, so the next GetUser shows it.
 */
import { KeystreamError } from '@keystream/api';
import { callingUserEmail, originOf, positionHeaders } from '../callContext.js';
import type { CustomMethod } from '../customMethod.js';
import { identityUserOf, requireCallingUser } from './userDirectory.js';

export const isUserVerified: CustomMethod = {
  name: 'IsUserVerified',
  async handle(call, deps) {
    const user = await requireCallingUser(deps, callingUserEmail(call, 'IsUserVerified'));
    const identity = identityUserOf(user);
    if (!(await deps.identity.isEmailVerified(identity))) {
      throw new KeystreamError('FAILED_PRECONDITION', `${identity.email} is not verified yet: follow the link of the verification mail (ResendVerificationEmail sends another)`);
    }
    if (user['emailVerified'] === true) return { response: {} };
    const result = await deps.commands.execute({ type: 'update', kind: 'User', resource: { name: identity.name, emailVerified: true }, updateMask: ['emailVerified'] }, originOf(call, ':verified'));
    return { response: {}, headers: positionHeaders(result.position) };
  },
};
