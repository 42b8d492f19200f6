/**
 * Service-account key material: RSA key pairs (RSA_1024/2048/4096) whose private half is returned
 * once and never stored, supplied public keys, API keys (random 256-bit secrets stored only as a
 * SHA-256 hash), the credentials JSON a client can use directly, and the self-signed RS256 JWTs
 * clients sign with their private key.
 *
 * Self-signed tokens are verified here with node:crypto rather than jose because jose refuses RSA
 * keys under 2048 bits, and the contract offers RSA_1024.
 */
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPair, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { unauthenticated } from './authenticationError.js';
import { assertNoCriticalExtensions, assertTokenTimes, TOKEN_CLOCK_SKEW_SECONDS } from './tokenChecks.js';

/** Key algorithms of the contract. */
export type KeyAlgorithm = 'RSA_1024' | 'RSA_2048' | 'RSA_4096' | 'API_KEY';

const RSA_BITS: Readonly<Record<Exclude<KeyAlgorithm, 'API_KEY'>, number>> = { RSA_1024: 1024, RSA_2048: 2048, RSA_4096: 4096 };
/** API keys start with this, so they are told apart from JWTs without parsing. */
export const API_KEY_PREFIX = 'ks_';
/** Longest lifetime (exp - iat) accepted for a self-signed token. */
export const MAX_SELF_SIGNED_LIFETIME_SECONDS = 3600;
/** Clock skew tolerated on iat/nbf/exp. */
const SKEW_SECONDS = TOKEN_CLOCK_SKEW_SECONDS;

const generateKeyPairAsync = promisify(generateKeyPair);

/** A fresh RSA key pair as PEM (SPKI public, PKCS#8 private). */
export async function generateRsaKeyPair(algorithm: Exclude<KeyAlgorithm, 'API_KEY'>): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: RSA_BITS[algorithm],
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/**
 * Reads a supplied public key (PEM, or base64 of a PEM or of DER SPKI) and returns it as PEM with
 * the algorithm its modulus size means; throws a plain Error naming the problem.
 */
export function readPublicKey(data: string): { publicKeyPem: string; algorithm: Exclude<KeyAlgorithm, 'API_KEY'> } {
  let key: KeyObject;
  try {
    if (data.includes('-----BEGIN')) key = createPublicKey(data);
    else {
      const decoded = Buffer.from(data, 'base64');
      const text = decoded.toString('utf8');
      key = text.includes('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: decoded, format: 'der', type: 'spki' });
    }
  } catch (error) {
    throw new Error(`public_key_data is not a public key (expected PEM or base64 SPKI): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`public_key_data is a ${String(key.asymmetricKeyType)} key; expected RSA`);
  const bits = key.asymmetricKeyDetails?.modulusLength;
  const algorithm = bits === 1024 ? 'RSA_1024' : bits === 2048 ? 'RSA_2048' : bits === 4096 ? 'RSA_4096' : undefined;
  if (algorithm === undefined) throw new Error(`public_key_data has a ${String(bits)}-bit modulus; expected 1024, 2048 or 4096`);
  return { publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(), algorithm };
}

/** The credentials JSON returned once on key creation. */
export interface ServiceAccountCredentials {
  readonly type: 'service_account';
  readonly client_email: string;
  readonly private_key_id: string;
  readonly private_key: string;
}

/** A new API key: the secret (shown once) and the hash that is stored. */
export function generateApiKey(): { secret: string; hash: string } {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashApiKey(secret) };
}

/** The stored form of an API key: hex SHA-256 (the secret has 256 bits, so no salt or stretching is needed). */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Signs a self-issued RS256 token with a service account's private key (what clients do). */
export function signSelfIssuedToken(options: {
  readonly privateKeyPem: string;
  readonly keyName: string;
  readonly email: string;
  readonly audience: string;
  readonly lifetimeSeconds?: number;
  readonly now?: number;
}): string {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
  const header = base64UrlJson({ alg: 'RS256', typ: 'JWT', kid: options.keyName });
  const payload = base64UrlJson({ iss: options.email, sub: options.email, aud: options.audience, iat: issuedAt, exp: issuedAt + (options.lifetimeSeconds ?? 600) });
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(createPrivateKey(options.privateKeyPem)).toString('base64url')}`;
}

/** The header of a JWT without verifying it (undefined when it is not a JWT). */
export function peekJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * Verifies a self-issued token against the key's public half: RS256 signature, `iss` = `sub` =
 * the account's email, the audience, `exp` present, not expired, not issued in the future, and a
 * lifetime of at most an hour. Throws UNAUTHENTICATED.
 */
export function verifySelfIssuedToken(token: string, options: { publicKeyPem: string; email: string; audience: string; now: number }): void {
  const parts = token.split('.');
  const peeked = peekJwt(token);
  if (peeked === undefined || parts.length !== 3) throw unauthenticated('malformed token');
  if (peeked.header['alg'] !== 'RS256') throw unauthenticated('service-account tokens must be signed with RS256');
  assertNoCriticalExtensions(peeked.header);
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0] as string}.${parts[1] as string}`);
  let valid: boolean;
  try {
    valid = verifier.verify(createPublicKey(options.publicKeyPem), Buffer.from(parts[2] as string, 'base64url'));
  } catch (error) {
    throw unauthenticated('the key cannot verify this token', error);
  }
  if (!valid) throw unauthenticated('token signature does not verify with the key it names');
  const claims = peeked.payload;
  if (claims['iss'] !== options.email || claims['sub'] !== options.email) throw unauthenticated('iss and sub must both be the service account email');
  const audiences = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
  if (!audiences.includes(options.audience)) throw unauthenticated(`token audience must be ${options.audience}`);
  const now = Math.floor(options.now / 1000);
  assertTokenTimes(claims, options.now, MAX_SELF_SIGNED_LIFETIME_SECONDS);
  if ((claims['exp'] as number) <= now - SKEW_SECONDS) throw unauthenticated('token expired');
  const nbf = claims['nbf'];
  if (typeof nbf === 'number' && nbf > now + SKEW_SECONDS) throw unauthenticated('token not yet valid');
}
