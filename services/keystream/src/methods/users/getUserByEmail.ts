/** GetUserByEmail: the user holding an address, compared case-insensitively. */
import { KeystreamError, type MessageOf } from '@keystream/api';
import { MIN_POSITION_HEADER } from '@keystream/service-api';
import type { CustomMethod } from '../customMethod.js';
import { shapeUser, usersByEmail } from './userDirectory.js';

export const getUserByEmail: CustomMethod = {
  name: 'GetUserByEmail',
  async handle(call, deps) {
    const request = call.request as MessageOf<'GetUserByEmailRequest'>;
    const email = request.email?.trim() ?? '';
    if (email === '') throw KeystreamError.invalidArgument([{ field: 'email', description: 'required: the address of the user' }]);
    await deps.queries.awaitPosition(call.headers[MIN_POSITION_HEADER]);
    const user = (await usersByEmail(deps, [email])).get(email.toLowerCase())?.[0];
    if (user === undefined) throw new KeystreamError('NOT_FOUND', `no User has the address ${email}`);
    return { response: shapeUser(user, request) };
  },
};
