/**
 * IsUserVerified: answers (empty) when the calling user's address is verified at the identity
 * provider, FAILED_PRECONDITION when it is not. A verification the User resource had not heard of
 * yet is written to it, so the next GetUser shows it.
 */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';
import { callingUserEmail, identityUserOf, requireCallingUser } from '../users/userDirectory.js';

export const isUserVerified: MethodHandler<'IsUserVerified'> = async (_request, { app, principal, envelope }) => {
  const user = await requireCallingUser(app, callingUserEmail(principal, 'IsUserVerified'));
  const identity = identityUserOf(user);
  if (!(await app.identity.isEmailVerified(identity))) {
    throw new KeystreamError('FAILED_PRECONDITION', `${identity.email} is not verified yet: follow the link of the verification mail (ResendVerificationEmail sends another)`);
  }
  if (user['emailVerified'] === true) return { response: {} };
  const result = await app.commands.execute({ type: 'update', kind: 'User', resource: { name: identity.name, emailVerified: true }, updateMask: ['emailVerified'] }, envelope);
  return { response: {}, position: result.position };
};
