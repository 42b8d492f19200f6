/** GetUserByEmail: the user holding an address, compared case-insensitively. */
import { KeystreamError } from '@keystream/api';
import type { MethodHandler } from '../methodHandler.js';
import { shapeUser, usersByEmail } from '../users/userDirectory.js';

export const getUserByEmail: MethodHandler<'GetUserByEmail'> = async (request, { app, minPosition }) => {
  const email = request.email?.trim() ?? '';
  if (email === '') throw KeystreamError.invalidArgument([{ field: 'email', description: 'required: the address of the user' }]);
  await app.queries.awaitPosition(minPosition);
  const user = (await usersByEmail(app, [email])).get(email.toLowerCase())?.[0];
  if (user === undefined) throw new KeystreamError('NOT_FOUND', `no User has the address ${email}`);
  return { response: shapeUser(user, request) };
};
