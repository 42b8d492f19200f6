/**
 * Users are named after their email: `users/u<29 hex digits of SHA-256(email)>`, so the same person
 * gets the same User resource from every token, and a name reveals nothing of the address.
 */
import { createHash } from 'node:crypto';

/** The User resource name of an email address. */
export function userNameOf(email: string): string {
  return `users/u${createHash('sha256').update(email.toLowerCase(), 'utf8').digest('hex').slice(0, 29)}`;
}
