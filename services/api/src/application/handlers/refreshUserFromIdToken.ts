/**
 * RefreshUserFromIdToken: creates or refreshes the User a verified ID token names. The write is the
 * user's own (actor `user:<email>`), whoever relays the token.
 */
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';
import { userNameOf } from '../userNames.js';

export const refreshUserFromIdToken: MethodHandler<'RefreshUserFromIdToken'> = async (request, { app, envelope }) => {
  const token = request.idToken;
  if (token === undefined || token === '') throw KeystreamError.invalidArgument([{ field: 'id_token', description: 'required: an ID token of an accepted issuer' }]);
  const user = await app.authenticator.userOfIdToken(token);
  const resource: JsonObject = { name: userNameOf(user.email), email: user.email, emailVerified: user.emailVerified === true };
  if (user.fullName !== undefined) resource['fullName'] = user.fullName;
  const result = await app.commands.execute(
    { type: 'update', kind: 'User', resource, updateMask: Object.keys(resource).filter((field) => field !== 'name'), allowMissing: true },
    { ...envelope, actor: `user:${user.email}` },
  );
  return { response: {}, position: result.position };
};
