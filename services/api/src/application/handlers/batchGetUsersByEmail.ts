/**
 * BatchGetUsersByEmail: the users holding any of the addresses (case-insensitively), and the
 * addresses — as the caller wrote them — that no user holds.
 */
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { MethodHandler } from '../methodHandler.js';
import { MAX_EMAILS, shapeUser, usersByEmail } from '../users/userDirectory.js';

export const batchGetUsersByEmail: MethodHandler<'BatchGetUsersByEmail'> = async (request, { app, minPosition }) => {
  const emails = request.emails ?? [];
  if (emails.length === 0) throw KeystreamError.invalidArgument([{ field: 'emails', description: 'required: at least one address' }]);
  if (emails.length > MAX_EMAILS) throw KeystreamError.invalidArgument([{ field: 'emails', description: `at most ${MAX_EMAILS} addresses per call, got ${emails.length}` }]);
  const blank = emails.findIndex((email) => email.trim() === '');
  if (blank >= 0) throw KeystreamError.invalidArgument([{ field: `emails[${blank}]`, description: 'an address must not be empty' }]);
  await app.queries.awaitPosition(minPosition);
  const found = await usersByEmail(app, emails.map((email) => email.trim()));
  const users = new Map<string, JsonObject>();
  const missing: string[] = [];
  for (const email of emails) {
    const holders = found.get(email.trim().toLowerCase());
    if (holders === undefined) missing.push(email);
    // The same user asked for twice (two spellings of one address) is answered once.
    else for (const user of holders) users.set(user['name'] as string, shapeUser(user, request));
  }
  return { response: { users: [...users.values()], missing } };
};
