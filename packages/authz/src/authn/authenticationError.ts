/**
 * Every authentication failure is UNAUTHENTICATED with a message that says what was wrong with
 * the credentials, never what a secret was.
 */
import { KeystreamError } from '@keystream/api';

/** An UNAUTHENTICATED error with a `WWW-Authenticate` challenge. */
export function unauthenticated(message: string, cause?: unknown): KeystreamError {
  return new KeystreamError('UNAUTHENTICATED', message, [], {
    headers: { 'www-authenticate': 'Bearer realm="keystream"' },
    ...(cause === undefined ? {} : { cause }),
  });
}
