/**
 * The request headers the application reads: the caller's request id (idempotent retries) and the
 * position it has already seen (read-your-writes), each validated where it is used.
 */
import { KeystreamError } from '@keystream/api';
import { isPositionText, MIN_POSITION_HEADER } from '@keystream/kernel';

/** Header carrying the caller's request id, which makes a retried write append nothing new. */
export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

type Headers = Readonly<Record<string, string>>;

/** The caller's request id, if it sent one; INVALID_ARGUMENT naming the header when malformed. */
export function callerRequestIdOf(headers: Headers): string | undefined {
  const requestId = headers[REQUEST_ID_HEADER];
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
    throw KeystreamError.invalidArgument([{ field: REQUEST_ID_HEADER, description: 'expected 1–128 characters of A-Z a-z 0-9 . _ : @ -' }]);
  }
  return requestId;
}

/** The position the caller has seen, if it sent one; INVALID_ARGUMENT naming the header when malformed. */
export function minPositionOf(headers: Headers): string | undefined {
  const position = headers[MIN_POSITION_HEADER];
  if (position === undefined || position === '') return undefined;
  if (!isPositionText(position)) {
    throw KeystreamError.invalidArgument([{ field: MIN_POSITION_HEADER, description: 'expected a position as returned by a write' }]);
  }
  return position;
}
