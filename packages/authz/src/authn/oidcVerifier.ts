/**
 * Users' bearer tokens from the configured OIDC issuer, verified with `jose` against its JWKS
 * (fetched from a URL and cached by jose, or read from a file) with the issuer and audience
 * checked. The token must carry an email; `email_verified` and `name` are kept when present.
 */
import fs from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { UserPrincipal } from '../principal.js';
import { unauthenticated } from './authenticationError.js';
import { describeJoseError } from './devIssuer.js';

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
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'sub'],
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
        currentDate: new Date(now),
      });
      const email = payload['email'];
      if (typeof email !== 'string' || !email.includes('@')) throw unauthenticated('the token carries no email claim');
      return {
        kind: 'user',
        email: email.toLowerCase(),
        issuer: this.settings.issuer,
        emailVerified: payload['email_verified'] === true,
        fullName: typeof payload['name'] === 'string' ? payload['name'] : undefined,
      };
    } catch (error) {
      throw unauthenticated(`invalid token from ${this.settings.issuer}: ${describeJoseError(error)}`, error);
    }
  }
}
