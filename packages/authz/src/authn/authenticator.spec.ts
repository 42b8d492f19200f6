import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { directMembersOf } from '../principal.js';
import { isKeystreamError } from '@keystream/api';
import { Authenticator, type CredentialStore } from './authenticator.js';
import { DevIssuer } from './devIssuer.js';
import { OidcVerifier } from './oidcVerifier.js';
import { generateApiKey, generateRsaKeyPair, hashApiKey, readPublicKey, signSelfIssuedToken } from './serviceAccountKeys.js';

const ACCOUNT = 'projects/p1/regions/eu/serviceAccounts/robot';
const EMAIL = 'robot@p1.serviceaccounts.iam.edgelq.com';
const AUDIENCE = 'keystream';

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(isKeystreamError(error) && error.code === 'UNAUTHENTICATED', String(error)).to.equal(true);
    return (error as Error).message;
  }
  throw new Error('expected UNAUTHENTICATED');
}

describe('Authenticator', () => {
  let directory: string;
  let keys: Map<string, Record<string, unknown>>;
  let apiKeys: Map<string, string>;
  let now: number;
  let authenticator: Authenticator;
  let devIssuer: DevIssuer;

  const credentials: CredentialStore = {
    serviceAccountKey: (name) => Promise.resolve(keys.get(name) as never),
    serviceAccount: (name) => Promise.resolve(name === ACCOUNT ? { name, email: EMAIL } : undefined),
    apiKeyOwner: (hash) => Promise.resolve(apiKeys.get(hash)),
  };

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'authz-authn-'));
    keys = new Map();
    apiKeys = new Map();
    now = Date.now();
    devIssuer = DevIssuer.open(directory, AUDIENCE);
    authenticator = new Authenticator({ credentials, audience: AUDIENCE, devIssuer, clock: () => now });
  });

  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('having no credentials', () => {
    it('should be the anonymous principal', async () => {
      expect(await authenticator.authenticate({})).to.deep.equal({ kind: 'anonymous' });
    });
  });

  describe('having a development token', () => {
    it('should be the user it names, with the email lower-cased', async () => {
      const token = await devIssuer.mint({ email: 'Alice@Example.com' });
      expect(await authenticator.authenticate({ authorization: `Bearer ${token}` })).to.include({ kind: 'user', email: 'alice@example.com' });
    });

    it('should keep the key across restarts (same data directory) and reject tokens of another key', async () => {
      const token = await DevIssuer.open(directory, AUDIENCE).mint({ email: 'a@b.c' });
      expect(await authenticator.authenticate({ authorization: `Bearer ${token}` })).to.include({ email: 'a@b.c' });
      const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'authz-other-'));
      try {
        const forged = await DevIssuer.open(elsewhere, AUDIENCE).mint({ email: 'a@b.c' });
        await rejection(authenticator.authenticate({ authorization: `Bearer ${forged}` }));
      } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    });

    it('should remember a verified token only until it expires', async () => {
      const token = await devIssuer.mint({ email: 'a@b.c', ttlSeconds: 60 });
      expect(await authenticator.authenticate({ authorization: `Bearer ${token}` })).to.include({ email: 'a@b.c' });
      now += 121_000; // past exp and the 60 s skew
      await rejection(authenticator.authenticate({ authorization: `Bearer ${token}` }));
    });

    it('should reject an expired token and malformed headers, never falling back to anonymous', async () => {
      const expired = await devIssuer.mint({ email: 'a@b.c', ttlSeconds: 1 });
      now += 120_000;
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${expired}` }))).to.match(/exp/);
      now -= 120_000;
      await rejection(authenticator.authenticate({ authorization: 'Basic YTpi' }));
      await rejection(authenticator.authenticate({ authorization: 'Bearer not-a-token' }));
    });
  });

  describe('having development tokens signed with the issuer key but bent', () => {
    const signWithIssuerKey = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}, times: { iat?: number | undefined; exp?: number } = {}): Promise<string> => {
      const key = createPrivateKey(fs.readFileSync(path.join(directory, 'dev-issuer-key.pem')));
      const seconds = Math.floor(now / 1000);
      const jwt = new SignJWT({ email: 'admin@keystream.local', email_verified: true, ...claims })
        .setProtectedHeader({ alg: 'ES256', ...header })
        .setIssuer('keystream:dev-issuer')
        .setSubject('admin@keystream.local')
        .setAudience(AUDIENCE)
        .setExpirationTime(times.exp ?? seconds + 600);
      if (!('iat' in times) || times.iat !== undefined) jwt.setIssuedAt(times.iat ?? seconds);
      return jwt.sign(key);
    };
    const seconds = (): number => Math.floor(now / 1000);

    it('should refuse a lifetime over 12 h, an iat in the future beyond 60 s, a missing iat and a crit header', async () => {
      expect(await authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey({})}` })).to.include({ email: 'admin@keystream.local' });
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey({}, {}, { exp: seconds() + 13 * 3600 })}` }))).to.match(/lifetime/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey({}, {}, { iat: seconds() - 3600, exp: seconds() + 12 * 3600 })}` }))).to.match(/lifetime/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey({}, {}, { iat: seconds() + 120, exp: seconds() + 600 })}` }))).to.match(/future|iat/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey({}, {}, { iat: undefined })}` }))).to.match(/iat/);
      // jose will not sign a crit it does not know: sign by hand.
      const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const critical = `${encode({ alg: 'ES256', crit: ['exp2'], exp2: 1 })}.${encode({ iss: 'keystream:dev-issuer', sub: 'admin@keystream.local', aud: AUDIENCE, email: 'admin@keystream.local', email_verified: true, iat: seconds(), exp: seconds() + 600 })}`;
      const signature = cryptoSign('sha256', Buffer.from(critical), { key: createPrivateKey(fs.readFileSync(path.join(directory, 'dev-issuer-key.pem'))), dsaEncoding: 'ieee-p1363' }).toString('base64url');
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${critical}.${signature}` }))).to.match(/crit|not recognized|Extension/i);
      expect(await devIssuer.mint({ email: 'a@b.c', ttlSeconds: 13 * 3600 }).then(() => 'minted', (error: unknown) => error)).to.be.instanceOf(RangeError);
    });

    for (const [label, claims] of [
      ['email_verified false', { email_verified: false }],
      ['email_verified missing', { email_verified: undefined }],
      ['email_verified the string "true"', { email_verified: 'true' }],
    ] as const) {
      it(`should not map a token with ${label} to user:<email>`, async () => {
        const principal = await authenticator.authenticate({ authorization: `Bearer ${await signWithIssuerKey(claims)}` });
        expect(principal).to.include({ kind: 'user', emailVerified: false });
        expect((principal as { email: string }).email).to.match(/@unverified\.invalid$/);
        expect(directMembersOf(principal)).to.not.include('user:admin@keystream.local');
        expect(directMembersOf(principal).some((member) => member.startsWith('domain:'))).to.equal(false);
      });
    }
  });

  describe('having an OIDC issuer', () => {
    it('should accept its tokens with the right audience and refuse others', async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
      const oidc = new OidcVerifier({ issuer: 'https://login.example.com/', audience: 'api', jwks: { keys: { keys: [jwk] } } });
      const withOidc = new Authenticator({ credentials, audience: AUDIENCE, oidc });
      const sign = (audience: string): Promise<string> =>
        new SignJWT({ email: 'Carol@Example.com', email_verified: true, name: 'Carol' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer('https://login.example.com/')
          .setSubject('carol')
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      expect(await withOidc.authenticate({ authorization: `Bearer ${await sign('api')}` })).to.include({ kind: 'user', email: 'carol@example.com', fullName: 'Carol', emailVerified: true });
      await rejection(withOidc.authenticate({ authorization: `Bearer ${await sign('someone-else')}` }));
      const unverified = await new SignJWT({ email: 'admin@keystream.local', email_verified: false })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://login.example.com/')
        .setSubject('mallory')
        .setAudience('api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      const mallory = await withOidc.authenticate({ authorization: `Bearer ${unverified}` });
      expect(mallory).to.include({ emailVerified: false, subject: 'mallory', claimedEmail: 'admin@keystream.local' });
      expect(directMembersOf(mallory)).to.not.include('user:admin@keystream.local');
      // Same issuer and subject: the same principal every time; another subject: another one.
      expect(((await withOidc.authenticate({ authorization: `Bearer ${unverified}` })) as { email: string }).email).to.equal((mallory as { email: string }).email);
      // The development issuer is not configured here, so its tokens are refused.
      await rejection(withOidc.authenticate({ authorization: `Bearer ${await devIssuer.mint({ email: 'a@b.c' })}` }));
    });
  });

  describe('having a service-account RSA key', () => {
    for (const algorithm of ['RSA_1024', 'RSA_2048'] as const) {
      it(`should accept a self-signed ${algorithm} token and refuse it once the key is deleted`, async () => {
        const pair = await generateRsaKeyPair(algorithm);
        expect(readPublicKey(pair.publicKeyPem).algorithm).to.equal(algorithm);
        const keyName = `${ACCOUNT}/serviceAccountKeys/k1`;
        keys.set(keyName, { name: keyName, algorithm, publicKeyData: pair.publicKeyPem });
        const token = signSelfIssuedToken({ privateKeyPem: pair.privateKeyPem, keyName, email: EMAIL, audience: AUDIENCE, now });
        expect(await authenticator.authenticate({ authorization: `Bearer ${token}` })).to.deep.equal({ kind: 'serviceAccount', email: EMAIL, name: ACCOUNT, keyName });
        keys.delete(keyName);
        expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${token}` }))).to.match(/does not exist or was deleted/);
      });
    }

    it('should refuse tokens outside the key window, for another audience or email, too long-lived, or signed by another key', async () => {
      const pair = await generateRsaKeyPair('RSA_2048');
      const other = await generateRsaKeyPair('RSA_2048');
      const keyName = `${ACCOUNT}/serviceAccountKeys/k2`;
      const key = { name: keyName, algorithm: 'RSA_2048', publicKeyData: pair.publicKeyPem };
      keys.set(keyName, key);
      const sign = (options: Partial<Parameters<typeof signSelfIssuedToken>[0]> = {}): string =>
        signSelfIssuedToken({ privateKeyPem: pair.privateKeyPem, keyName, email: EMAIL, audience: AUDIENCE, now, ...options });
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign({ audience: 'elsewhere' })}` }))).to.match(/audience/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign({ email: 'x@p1.serviceaccounts.iam.edgelq.com' })}` }))).to.match(/iss and sub/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign({ lifetimeSeconds: 7200 })}` }))).to.match(/lifetime/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign({ now: now - 3_600_000 })}` }))).to.match(/expired/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign({ privateKeyPem: other.privateKeyPem })}` }))).to.match(/signature/);
      const handSigned = (header: Record<string, unknown>, claims: Record<string, unknown>): string => {
        const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
        const input = `${encode(header)}.${encode(claims)}`;
        return `${input}.${cryptoSign('sha256', Buffer.from(input), pair.privateKeyPem).toString('base64url')}`;
      };
      const seconds = Math.floor(now / 1000);
      const claims = { iss: EMAIL, sub: EMAIL, aud: AUDIENCE, iat: seconds, exp: seconds + 600 };
      expect(await authenticator.authenticate({ authorization: `Bearer ${handSigned({ alg: 'RS256', kid: keyName }, claims)}` })).to.include({ kind: 'serviceAccount' });
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${handSigned({ alg: 'RS256', kid: keyName, crit: ['x'], x: 1 }, claims)}` }))).to.match(/critical/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${handSigned({ alg: 'RS256', kid: keyName }, { ...claims, iat: undefined })}` }))).to.match(/iat/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${handSigned({ alg: 'RS256', kid: keyName }, { ...claims, iat: seconds + 300, exp: seconds + 900 })}` }))).to.match(/future/);
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${handSigned({ alg: 'RS256', kid: keyName }, { ...claims, iat: seconds - 7200, exp: seconds + 600 })}` }))).to.match(/lifetime/);
      keys.set(keyName, { ...key, validNotAfter: new Date(now - 1000).toISOString() });
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign()}` }))).to.match(/expired/);
      keys.set(keyName, { ...key, validNotBefore: new Date(now + 60_000).toISOString() });
      expect(await rejection(authenticator.authenticate({ authorization: `Bearer ${sign()}` }))).to.match(/not valid yet/);
    });
  });

  describe('having an API key', () => {
    it('should find the key by the hash of the secret, and refuse it once expired or deleted', async () => {
      const { secret, hash } = generateApiKey();
      expect(secret).to.match(/^ks_[A-Za-z0-9_-]{43}$/);
      expect(hash).to.equal(hashApiKey(secret)).and.not.include(secret);
      const keyName = `${ACCOUNT}/serviceAccountKeys/api`;
      keys.set(keyName, { name: keyName, algorithm: 'API_KEY' });
      apiKeys.set(hash, keyName);
      expect(await authenticator.authenticate({ authorization: `Bearer ${secret}` })).to.include({ kind: 'serviceAccount', keyName });
      await rejection(authenticator.authenticate({ authorization: `Bearer ${generateApiKey().secret}` }));
      keys.set(keyName, { name: keyName, algorithm: 'API_KEY', validNotAfter: new Date(now - 1).toISOString() });
      await rejection(authenticator.authenticate({ authorization: `Bearer ${secret}` }));
      keys.delete(keyName);
      await rejection(authenticator.authenticate({ authorization: `Bearer ${secret}` }));
    });
  });
});
