/**
 * Users' bearer tokens from the configured OIDC issuer, verified with `jose` against its JWKS
 * (fetched from a URL and cached by jose, or read from a file) with the issuer and audience
 * checked, `iat` required and not in the future, no `crit` extensions. The user is `user:<email>`
 * only when `email_verified` is true; otherwise it is named by issuer and subject (tokenChecks.ts).
 */
import fs from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { UserPrincipal } from '../principal.js';
import { unauthenticated } from './authenticationError.js';
import { describeJoseError } from './devIssuer.js';
import { assertNoCriticalExtensions, assertTokenTimes, TOKEN_CLOCK_SKEW_SECONDS, userOfClaims } from './tokenChecks.js';

/** Where the issuer's keys come from. */
export type JwksSource = { readonly url: string } | { readonly file: string } | { readonly keys: JSONWebKeySet };

export interface OidcSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: JwksSource;
}

/** Verifies ID/access tokens of one OIDC issuer. */
export class OidcVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(readonly settings: OidcSettings) {
    const source = settings.jwks;
    if ('url' in source) this.keys = createRemoteJWKSet(new URL(source.url));
    else if ('file' in source) this.keys = createLocalJWKSet(JSON.parse(fs.readFileSync(source.file, 'utf8')) as JSONWebKeySet);
    else this.keys = createLocalJWKSet(source.keys);
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  /** The user a token names; UNAUTHENTICATED when it does not verify. */
  async verify(token: string, now: number = Date.now()): Promise<UserPrincipal> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'sub', 'iat'],
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
        currentDate: new Date(now),
        clockTolerance: TOKEN_CLOCK_SKEW_SECONDS,
      });
      assertNoCriticalExtensions(protectedHeader);
      assertTokenTimes(payload, now);
      return userOfClaims(payload, this.settings.issuer);
    } catch (error) {
      throw unauthenticated(`invalid token from ${this.settings.issuer}: ${describeJoseError(error)}`, error);
    }
  }
}
