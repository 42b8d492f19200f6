import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import { Auth0IdentityProvider } from './auth0IdentityProvider.js';
import { Auth0ManagementClient } from './auth0ManagementClient.js';
import { startAuth0TestServer, type Auth0TestServer } from './testing/auth0TestServer.js';

describe('Auth0IdentityProvider', () => {
  let tenant: Auth0TestServer;
  let provider: Auth0IdentityProvider;

  beforeEach(async () => {
    tenant = await startAuth0TestServer();
    provider = new Auth0IdentityProvider(new Auth0ManagementClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: tenant.clientSecret, maxRateLimitWaitMs: 1500 }));
    tenant.users.set('auth0|alice', { user_id: 'auth0|alice', email: 'alice@example.com', email_verified: false, logs: [], authenticators: 2, verificationMails: 0 });
  });

  afterEach(async () => {
    await tenant.close();
  });

  const alice = { name: 'users/alice', email: 'Alice@Example.com' };

  describe('having a user known only by address', () => {
    it('should find the user with the lower-cased address and ask for a verification mail with the client id', async () => {
      await provider.sendVerificationEmail(alice, { clientId: 'spa-client' });
      expect(tenant.users.get('auth0|alice')?.verificationMails).to.equal(1);
      const lookup = tenant.requests.find((request) => request.path === '/api/v2/users-by-email');
      expect(lookup?.query['email']).to.equal('alice@example.com');
      const job = tenant.requests.find((request) => request.path === '/api/v2/jobs/verification-email');
      expect(job?.body).to.deep.equal({ user_id: 'auth0|alice', client_id: 'spa-client' });
      expect(job?.authorization).to.match(/^Bearer [0-9a-f]{32}$/);
    });

    it('should answer NOT_FOUND naming the address when the tenant has no such user', async () => {
      const error = await provider.isEmailVerified({ name: 'users/nobody', email: 'nobody@example.com' }).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(KeystreamError);
      expect((error as KeystreamError).code).to.equal('NOT_FOUND');
      expect((error as KeystreamError).message).to.include('nobody@example.com');
    });
  });

  describe('having a user with auth_info from Auth0', () => {
    const linked = { ...alice, authInfo: { provider: 'auth0', id: 'auth0|alice' } };

    it('should use the id without looking the address up, and read email_verified', async () => {
      expect(await provider.isEmailVerified(linked)).to.equal(false);
      (tenant.users.get('auth0|alice') as { email_verified: boolean }).email_verified = true;
      expect(await provider.isEmailVerified(linked)).to.equal(true);
      expect(tenant.requests.some((request) => request.path === '/api/v2/users-by-email')).to.equal(false);
      expect(tenant.requests.filter((request) => request.path === '/api/v2/users/auth0%7Calice' || request.path === '/api/v2/users/auth0|alice')).to.have.length(2);
    });

    it('should set the name with PATCH and delete the user (already gone is fine)', async () => {
      await provider.setDisplayName(linked, 'Alice Liddell');
      expect(tenant.users.get('auth0|alice')?.name).to.equal('Alice Liddell');
      await provider.deleteUser(linked);
      expect(tenant.users.has('auth0|alice')).to.equal(false);
      await provider.deleteUser(linked);
    });

    it('should reset second factors only after a recovery with no enrollment since', async () => {
      const user = tenant.users.get('auth0|alice') as { logs: { type: string; date: string }[]; authenticators: number };
      expect(await provider.resetMfaIfRecoveryKeyUsed(linked)).to.deep.equal({ recoveryKeyUsed: false, reset: false });
      expect(user.authenticators).to.equal(2);
      user.logs.push({ type: 'gd_recovery_succeed', date: '2026-11-01T10:00:00.000Z' }, { type: 'gd_enrollment_complete', date: '2026-11-01T10:05:00.000Z' });
      expect(await provider.resetMfaIfRecoveryKeyUsed(linked)).to.deep.equal({ recoveryKeyUsed: true, reset: false });
      expect(user.authenticators).to.equal(2);
      user.logs.push({ type: 'gd_recovery_succeed', date: '2026-11-20T08:00:00.000Z' });
      expect(await provider.resetMfaIfRecoveryKeyUsed(linked)).to.deep.equal({ recoveryKeyUsed: true, reset: true });
      expect(user.authenticators).to.equal(0);
    });
  });

  describe('the Management API client', () => {
    it('should fetch one token for many calls, a new one after a 401, and wait out a 429', async () => {
      const linked = { ...alice, authInfo: { provider: 'auth0', id: 'auth0|alice' } };
      await Promise.all([provider.isEmailVerified(linked), provider.isEmailVerified(linked), provider.isEmailVerified(linked)]);
      expect(tenant.tokensIssued()).to.equal(1);
      tenant.revokeTokens();
      await provider.isEmailVerified(linked);
      expect(tenant.tokensIssued()).to.equal(2);
      tenant.rateLimitNext(1);
      expect(await provider.isEmailVerified(linked)).to.equal(false);
    });

    it('should refuse with UNAVAILABLE when rate-limited beyond its attempts, and never put the secret in a message', async () => {
      tenant.rateLimitNext(10);
      const error = await provider.isEmailVerified({ ...alice, authInfo: { id: 'auth0|alice' } }).catch((caught: unknown) => caught);
      expect((error as KeystreamError).code).to.equal('UNAVAILABLE');
      expect((error as KeystreamError).message).not.to.include(tenant.clientSecret);
    });

    it('should refuse with FAILED_PRECONDITION when the client credentials are wrong', async () => {
      const wrong = new Auth0IdentityProvider(new Auth0ManagementClient({ baseUrl: tenant.url, clientId: tenant.clientId, clientSecret: 'not-the-secret' }));
      const error = await wrong.isEmailVerified(alice).catch((caught: unknown) => caught);
      expect((error as KeystreamError).code).to.equal('FAILED_PRECONDITION');
      expect((error as KeystreamError).message).to.include('/oauth/token');
      expect((error as KeystreamError).message).not.to.include('not-the-secret');
    });
  });
});
