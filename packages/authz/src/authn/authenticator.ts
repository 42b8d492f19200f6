/**
 * Turns a request's `Authorization` header into a principal.
 *
 * - no header: the anonymous principal (matched by `allUsers` only);
 * - `Bearer <JWT>` with `iss` = the development issuer or the configured OIDC issuer: a user;
 * - `Bearer <JWT>` whose `kid` names a ServiceAccountKey: a service account, if the key is live,
 *   inside its validity window and verifies the self-issued token;
 * - `Bearer ks_…`: an API key, looked up by its hash (one read), same key checks.
 *
 * Anything else, or credentials that do not verify, is UNAUTHENTICATED: a caller that sent
 * credentials never silently falls back to anonymous. Keys are read on every request, so a
 * deleted or expired key stops working at once.
 */
import { serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import { ANONYMOUS, type Principal, type UserPrincipal } from '../principal.js';
import { unauthenticated } from './authenticationError.js';
import { DEV_ISSUER, type DevIssuer } from './devIssuer.js';
import type { OidcVerifier } from './oidcVerifier.js';
import { API_KEY_PREFIX, hashApiKey, peekJwt, verifySelfIssuedToken } from './serviceAccountKeys.js';

/** Where the authenticator reads keys (the write model, so deletions apply at once). */
export interface CredentialStore {
  /** The live ServiceAccountKey, or undefined when it does not exist or was deleted. */
  serviceAccountKey(name: string): Promise<JsonObject | undefined>;
  /** The live ServiceAccount, or undefined. */
  serviceAccount(name: string): Promise<JsonObject | undefined>;
  /** The name of the key an API key hash was registered for. */
  apiKeyOwner(hash: string): Promise<string | undefined>;
}

export interface AuthenticatorOptions {
  readonly credentials: CredentialStore;
  /** The audience service-account tokens must name. */
  readonly audience: string;
  readonly devIssuer?: DevIssuer | undefined;
  readonly oidc?: OidcVerifier | undefined;
  readonly clock?: () => number;
}

const KEY_NAME = /^projects\/[^/]+\/regions\/[^/]+\/serviceAccounts\/[^/]+\/serviceAccountKeys\/[^/]+$/;

/** Checks a key's validity window at `now`; throws UNAUTHENTICATED outside it. */
export function assertKeyValid(key: JsonObject, now: number): void {
  const notBefore = typeof key['validNotBefore'] === 'string' ? Date.parse(key['validNotBefore']) : Number.NaN;
  const notAfter = typeof key['validNotAfter'] === 'string' ? Date.parse(key['validNotAfter']) : Number.NaN;
  if (!Number.isNaN(notBefore) && now < notBefore) throw unauthenticated('the key is not valid yet');
  if (!Number.isNaN(notAfter) && now >= notAfter) throw unauthenticated('the key has expired');
}

/** How long a verified user token is remembered at most. */
export const VERIFIED_TOKEN_TTL_MS = 5 * 60 * 1000;
const MAX_VERIFIED_TOKENS = 10_000;

export class Authenticator {
  private readonly clock: () => number;
  private readonly verifiedUsers = new Map<string, { readonly principal: UserPrincipal; readonly until: number }>();

  constructor(private readonly options: AuthenticatorOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** The principal of a request with these (lower-case) headers. */
  async authenticate(headers: Readonly<Record<string, string>>): Promise<Principal> {
    const authorization = headers['authorization'];
    if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthenticated('unsupported Authorization header; expected "Bearer <token>"');
    return this.principalOfToken(match[1] as string);
  }

  /** The principal a bearer token stands for. */
  async principalOfToken(token: string): Promise<Principal> {
    if (token.startsWith(API_KEY_PREFIX)) return this.apiKeyPrincipal(token);
    // A user token verified before is answered before decoding it again (the common case: a
    // client sends the same token on every request until it expires).
    const remembered = this.rememberedUser(token);
    if (remembered !== undefined) return remembered;
    const peeked = peekJwt(token);
    if (peeked === undefined) throw unauthenticated('the bearer token is neither a JWT nor an API key');
    const kid = peeked.header['kid'];
    if (typeof kid === 'string' && KEY_NAME.test(kid)) return this.selfIssuedPrincipal(token, kid);
    return this.userOfIdToken(token);
  }

  /**
   * The user an ID token names (RefreshUserFromIdToken uses this too). A verified user token is
   * remembered until it expires (at most {@link VERIFIED_TOKEN_TTL_MS}): a user token is valid until
   * its `exp` whatever happens meanwhile, so re-verifying its signature on every request buys
   * nothing. Service-account credentials are never remembered: their keys can be deleted.
   */
  async userOfIdToken(token: string): Promise<UserPrincipal> {
    const now = this.clock();
    const remembered = this.rememberedUser(token, now);
    if (remembered !== undefined) return remembered;
    const peeked = peekJwt(token);
    const issuer = peeked?.payload['iss'];
    let principal: UserPrincipal;
    if (issuer === DEV_ISSUER && this.options.devIssuer !== undefined) principal = await this.options.devIssuer.verify(token, now);
    else if (this.options.oidc !== undefined && issuer === this.options.oidc.issuer) principal = await this.options.oidc.verify(token, now);
    else throw unauthenticated(`tokens of issuer ${JSON.stringify(typeof issuer === 'string' ? issuer.slice(0, 200) : issuer)} are not accepted`);
    const exp = peeked?.payload['exp'];
    if (typeof exp === 'number') {
      if (this.verifiedUsers.size >= MAX_VERIFIED_TOKENS) this.verifiedUsers.clear();
      this.verifiedUsers.set(token, { principal, until: Math.min(exp * 1000, now + VERIFIED_TOKEN_TTL_MS) });
    }
    return principal;
  }

  /** The user of a token verified earlier and not yet expired, if it was. */
  private rememberedUser(token: string, now: number = this.clock()): UserPrincipal | undefined {
    const remembered = this.verifiedUsers.get(token);
    return remembered !== undefined && remembered.until > now ? remembered.principal : undefined;
  }

  private async liveKey(name: string): Promise<{ key: JsonObject; account: JsonObject }> {
    const key = await this.options.credentials.serviceAccountKey(name);
    if (key === undefined) throw unauthenticated('the key does not exist or was deleted');
    assertKeyValid(key, this.clock());
    const accountName = name.slice(0, name.lastIndexOf('/serviceAccountKeys/'));
    const account = await this.options.credentials.serviceAccount(accountName);
    if (account === undefined) throw unauthenticated('the service account of the key does not exist');
    return { key, account };
  }

  private async selfIssuedPrincipal(token: string, keyName: string): Promise<Principal> {
    const { key, account } = await this.liveKey(keyName);
    const publicKeyPem = key['publicKeyData'];
    if (key['algorithm'] === 'API_KEY' || typeof publicKeyPem !== 'string' || publicKeyPem === '') throw unauthenticated('the key has no public key to verify with');
    const accountName = account['name'] as string;
    const email = serviceAccountEmailOf(accountName);
    verifySelfIssuedToken(token, { publicKeyPem, email, audience: this.options.audience, now: this.clock() });
    return { kind: 'serviceAccount', email, name: accountName, keyName };
  }

  private async apiKeyPrincipal(secret: string): Promise<Principal> {
    const keyName = await this.options.credentials.apiKeyOwner(hashApiKey(secret));
    if (keyName === undefined) throw unauthenticated('unknown API key');
    const { key, account } = await this.liveKey(keyName);
    if (key['algorithm'] !== 'API_KEY') throw unauthenticated('unknown API key');
    const accountName = account['name'] as string;
    return { kind: 'serviceAccount', email: serviceAccountEmailOf(accountName), name: accountName, keyName };
  }
}
