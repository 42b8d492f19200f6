/**
 * Small readers of an authenticated call shared by custom methods: the command origin and the
 * calling user.
 */
import { KeystreamError } from '@keystream/api';
import type { AuthenticatedCall, CommandOrigin } from '@keystream/service-api';
import { MIN_POSITION_HEADER } from '@keystream/service-api';

/** The origin of commands a call issues: its actor, and its request id (so a retry appends nothing new). */
export function originOf(call: AuthenticatedCall, suffix = ''): CommandOrigin {
  const requestId = call.headers['x-request-id'];
  return { actor: call.actor ?? 'anonymous', requestId: requestId === undefined || requestId === '' ? undefined : `${requestId}${suffix}` };
}

/** The email of the calling user; FAILED_PRECONDITION for any other principal. */
export function callingUserEmail(call: AuthenticatedCall, method: string): string {
  const actor = call.actor ?? 'anonymous';
  if (!actor.startsWith('user:')) {
    throw new KeystreamError('FAILED_PRECONDITION', `${method} is about the calling user; ${actor} is not a user`);
  }
  return actor.slice('user:'.length);
}

/** Response headers carrying the position of the last write, for read-your-writes. */
export function positionHeaders(position: string): Readonly<Record<string, string>> {
  return position === '' ? {} : { [MIN_POSITION_HEADER]: position };
}
