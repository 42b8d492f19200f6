/**
 * The attestation token: a JWT (HS256, keystream's own key) saying that the TPM of `sub` passed a
 * policy of attestation domain `domain`, valid for a short time. AttestationConditions accept a
 * request when such a token for their domain, of the caller's subject, comes with it.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { AttestationKeys } from './attestationKeys.js';

const TOKEN_TYPE = 'keystream-attestation+jwt';
const ISSUER = 'keystream';
const AUDIENCE = 'keystream-attestation';

/** What an issued token says. */
export interface AttestationTokenClaims {
  readonly subject: string;
  readonly domain: string;
  /** Position of the policy that passed in the domain's list. */
  readonly policy: number;
  /** SHA-256 of the EK public key (SPKI DER), hex: which TPM it was. */
  readonly ekSha256: string;
}

/** Signs a token valid for `ttlSeconds` from `now`. */
export async function issueAttestationToken(keys: AttestationKeys, claims: AttestationTokenClaims, now: Date, ttlSeconds: number): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ domain: claims.domain, policy: claims.policy, ek_sha256: claims.ekSha256 })
    .setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.subject)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keys.tokenSigning);
}

/** A verified token's subject and domain, or why it was refused. */
export type TokenCheck = { readonly valid: true; readonly subject: string; readonly domain: string; readonly expiresAt: Date } | { readonly valid: false; readonly reason: string };

/** Verifies a token's signature, type, issuer, audience and expiry at `now`. */
export async function verifyAttestationToken(keys: AttestationKeys, token: string, now: Date): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keys.tokenSigning, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, typ: TOKEN_TYPE, currentDate: now, requiredClaims: ['sub', 'exp'] });
    if (typeof payload.sub !== 'string' || typeof payload['domain'] !== 'string' || typeof payload.exp !== 'number') return { valid: false, reason: 'the attestation token lacks its subject or domain' };
    return { valid: true, subject: payload.sub, domain: payload['domain'], expiresAt: new Date(payload.exp * 1000) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { valid: false, reason: code === 'ERR_JWT_EXPIRED' ? 'the attestation token has expired' : 'the attestation token is not valid' };
  }
}
