/**
 * The built-in development issuer: an ES256 key pair kept in the data directory (mode 0600) signs
 * user tokens for the embedded default, so `keystream token --user alice@example.com` works with no
 * identity provider. Anyone who can read the data directory can mint tokens; production
 * deployments configure an OIDC issuer and switch this off (docs/security.md).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { keptFile } from '@keystream/kernel';
import { jwtVerify, SignJWT } from 'jose';
import type { UserPrincipal } from '../principal.js';
import { unauthenticated } from './authenticationError.js';
import { assertNoCriticalExtensions, assertTokenTimes, MAX_DEV_TOKEN_LIFETIME_SECONDS, TOKEN_CLOCK_SKEW_SECONDS, userOfClaims } from './tokenChecks.js';

/** The `iss` of development tokens. */
export const DEV_ISSUER = 'keystream:dev-issuer';
/** Name of the key file in the data directory. */
export const DEV_ISSUER_KEY_FILE = 'dev-issuer-key.pem';
const DEFAULT_TTL_SECONDS = MAX_DEV_TOKEN_LIFETIME_SECONDS;

export interface DevTokenClaims {
  readonly email: string;
  readonly name?: string | undefined;
  /** Lifetime in seconds (default and at most 12 h). */
  readonly ttlSeconds?: number | undefined;
}

/** Signs and verifies development tokens. */
export class DevIssuer {
  private readonly publicKey: KeyObject;

  constructor(
    private readonly privateKey: KeyObject,
    readonly audience: string,
  ) {
    this.publicKey = createPublicKey(privateKey);
  }

  /** Loads the key from `<dataDirectory>/dev-issuer-key.pem`, creating it on first use. */
  static open(dataDirectory: string, audience: string): DevIssuer {
    // Processes starting together on one data directory keep one key, never half of it.
    const pem = keptFile(path.join(dataDirectory, DEV_ISSUER_KEY_FILE), () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    return new DevIssuer(createPrivateKey(pem), audience);
  }

  /** A signed token for a user. */
  async mint(claims: DevTokenClaims): Promise<string> {
    const email = claims.email.toLowerCase();
    const ttl = claims.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!(ttl > 0 && ttl <= MAX_DEV_TOKEN_LIFETIME_SECONDS)) throw new RangeError(`a development token lives at most ${MAX_DEV_TOKEN_LIFETIME_SECONDS} s; ${ttl} was asked`);
    return new SignJWT({ email, email_verified: true, ...(claims.name === undefined ? {} : { name: claims.name }) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setSubject(email)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
      .sign(this.privateKey);
  }

  /** Verifies a development token; throws UNAUTHENTICATED when it is not one this issuer signed. */
  async verify(token: string, now: number = Date.now()): Promise<UserPrincipal> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.publicKey, {
        issuer: DEV_ISSUER,
        audience: this.audience,
        algorithms: ['ES256'],
        requiredClaims: ['exp', 'sub', 'iat'],
        currentDate: new Date(now),
        clockTolerance: TOKEN_CLOCK_SKEW_SECONDS,
      });
      assertNoCriticalExtensions(protectedHeader);
      assertTokenTimes(payload, now, MAX_DEV_TOKEN_LIFETIME_SECONDS);
      return userOfClaims(payload, DEV_ISSUER);
    } catch (error) {
      throw unauthenticated(`invalid development token: ${describeJoseError(error)}`, error);
    }
  }
}

/** A short reason from a jose (or our own) error, without token contents. */
export function describeJoseError(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : 'unreadable token';
}
