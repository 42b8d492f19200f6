/**
 * Checks every JWT keystream accepts must pass beyond its signature, whoever issued it:
 * - a `crit` header lists extensions the verifier must understand; keystream understands none,
 *   so a token with one is refused (RFC 7515 §4.1.11);
 * - `iat` is required and may not lie in the future beyond {@link TOKEN_CLOCK_SKEW_SECONDS};
 * - where the issuer is keystream itself or a key it holds, the lifetime (`exp` − `iat`) is capped.
 * And how a user token becomes a principal: the email only when the token says it is verified.
 */
import { createHash } from 'node:crypto';
import type { UserPrincipal } from '../principal.js';
import { unauthenticated } from './authenticationError.js';

/** Clock skew tolerated on `iat`, `nbf` and `exp`. */
export const TOKEN_CLOCK_SKEW_SECONDS = 60;
/** Longest lifetime of a development-issuer token (and the longest `keystream token --ttl`). */
export const MAX_DEV_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;

/** Refuses a token whose header carries `crit`. */
export function assertNoCriticalExtensions(header: Readonly<Record<string, unknown>>): void {
  if (header['crit'] !== undefined) throw unauthenticated(`the token header lists critical extensions (${JSON.stringify(header['crit']).slice(0, 100)}) keystream does not understand`);
}

/** Checks `iat` (required, not in the future) and, when given, the lifetime cap. */
export function assertTokenTimes(payload: Readonly<Record<string, unknown>>, nowMs: number, maxLifetimeSeconds?: number): void {
  const now = Math.floor(nowMs / 1000);
  const iat = payload['iat'];
  const exp = payload['exp'];
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw unauthenticated('the token has no iat (issued-at) claim');
  if (iat > now + TOKEN_CLOCK_SKEW_SECONDS) throw unauthenticated(`the token was issued in the future (iat ${iat}, now ${now}, ${TOKEN_CLOCK_SKEW_SECONDS} s skew tolerated)`);
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw unauthenticated('the token has no exp claim');
  if (maxLifetimeSeconds !== undefined && exp - iat > maxLifetimeSeconds) throw unauthenticated(`the token lifetime (exp - iat = ${exp - iat} s) exceeds ${maxLifetimeSeconds} s`);
}

/** The domain of principals identified by issuer and subject: `.invalid` is never a real mail domain (RFC 2606). */
export const UNVERIFIED_USER_DOMAIN = 'unverified.invalid';

/**
 * The user a verified token stands for. With `email_verified: true` it is `user:<email>`; without
 * it the email proves nothing (anyone can put any address in a profile), so the user is named by
 * issuer and subject instead: `user:<sub-hash>@unverified.invalid`, which no binding for a real
 * address (or `domain:`) matches. The claimed email is kept for display only.
 */
export function userOfClaims(payload: Readonly<Record<string, unknown>>, issuer: string): UserPrincipal {
  const subject = payload['sub'];
  if (typeof subject !== 'string' || subject === '') throw unauthenticated('the token has no sub claim');
  const email = typeof payload['email'] === 'string' ? payload['email'].toLowerCase() : undefined;
  const fullName = typeof payload['name'] === 'string' ? payload['name'] : undefined;
  if (payload['email_verified'] === true && email !== undefined && /^[^\s@]+@[^\s@]+$/.test(email)) {
    return { kind: 'user', email, issuer, subject, emailVerified: true, fullName };
  }
  const id = createHash('sha256').update(`${issuer}\u0000${subject}`).digest('hex').slice(0, 40);
  return { kind: 'user', email: `${id}@${UNVERIFIED_USER_DOMAIN}`, issuer, subject, emailVerified: false, fullName, ...(email === undefined ? {} : { claimedEmail: email }) };
}
