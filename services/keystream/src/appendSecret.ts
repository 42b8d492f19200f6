/**
 * The secret a replica proves to the event log's writer (appendForwarding.ts), apart from the
 * forwarding itself: `keystream start` makes it before it starts its children, and so before it
 * loads the stores.
 */
import { randomBytes } from 'node:crypto';

/**
 * Set in the environment of the replicas `keystream start` runs as its children: the secret of
 * the process that started them, so they need no file (which a full disk may not let it write).
 */
export const APPEND_SECRET_VARIABLE = 'KEYSTREAM_APPEND_SECRET';

/** A new secret for the append socket. */
export function newAppendSecret(): string {
  return randomBytes(32).toString('hex');
}
