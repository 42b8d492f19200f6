/**
 * keystream configured with KEYSTREAM_IDENTITY_PROVIDER=auth0 against a local server answering
 * like Auth0's Management API: the user methods reach the tenant through HTTP end to end.
 */
import { expect } from 'chai';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../methods/testing/keystreamUnderTest.js';
import { startAuth0TestServer, type Auth0TestServer, type TenantUser } from './testing/auth0TestServer.js';

describe('user methods with the Auth0 identity provider', function () {
  this.timeout(60_000);
  let tenant: Auth0TestServer;
  let ks: KeystreamUnderTest;

  before(async () => {
    tenant = await startAuth0TestServer();
    ks = await startKeystreamUnderTest({
      KEYSTREAM_IDENTITY_PROVIDER: 'auth0',
      KEYSTREAM_AUTH0_DOMAIN: tenant.url,
      KEYSTREAM_AUTH0_CLIENT_ID: tenant.clientId,
      KEYSTREAM_AUTH0_CLIENT_SECRET: tenant.clientSecret,
    });
  });

  after(async () => {
    await ks.close();
    await tenant.close();
  });

  it('should verify, rename, reset second factors and delete at the tenant', async () => {
    const zoeAtTenant: TenantUser = { user_id: 'auth0|zoe', email: 'zoe@example.com', email_verified: false, logs: [], authenticators: 1, verificationMails: 0 };
    tenant.users.set(zoeAtTenant.user_id, zoeAtTenant);
    const zoe = await ks.admin.call('CreateUser', { user: { email: 'zoe@example.com', fullName: 'Zoe Q', authInfo: { provider: 'auth0', id: 'auth0|zoe' } } });
    const client = await ks.as('zoe@example.com');

    await client.call('ResendVerificationEmail', { clientId: 'console' });
    expect(zoeAtTenant.verificationMails).to.equal(1);
    expect(tenant.requests.find((request) => request.path === '/api/v2/jobs/verification-email')?.body).to.deep.equal({ user_id: 'auth0|zoe', client_id: 'console' });
    expect(await refusalOf(client.call('IsUserVerified', {}))).to.include({ code: 'FAILED_PRECONDITION' });
    zoeAtTenant.email_verified = true;
    await client.call('IsUserVerified', {});
    expect((await ks.admin.call('GetUser', { name: zoe['name'] }))['emailVerified']).to.equal(true);

    await client.call('SetUsersNameInAuth0', {});
    expect(zoeAtTenant.name).to.equal('Zoe Q');

    await client.call('ResetMFAIfRecoveryKeyUsed', {});
    expect(zoeAtTenant.authenticators).to.equal(1);
    zoeAtTenant.logs.push({ type: 'gd_recovery_succeed', date: new Date().toISOString() });
    await client.call('ResetMFAIfRecoveryKeyUsed', {});
    expect(zoeAtTenant.authenticators).to.equal(0);

    const deleted = await ks.admin.call('DeleteUsersByCriteria', { byEmail: { values: ['ZOE@example.com'] }, authInfoProvider: 'auth0' });
    expect(deleted['deletedUsers']).to.deep.equal([zoe['name']]);
    expect(tenant.users.has('auth0|zoe')).to.equal(false);
  });

  it('should answer UNAVAILABLE (503), not an internal error, while the tenant keeps refusing with 429', async () => {
    await ks.admin.call('CreateUser', { user: { email: 'busy@example.com', fullName: 'Busy', authInfo: { provider: 'auth0', id: 'auth0|busy' } } });
    tenant.users.set('auth0|busy', { user_id: 'auth0|busy', email: 'busy@example.com', email_verified: true, logs: [], authenticators: 0, verificationMails: 0 });
    tenant.rateLimitNext(3);
    expect(await refusalOf((await ks.as('busy@example.com')).call('SetUsersNameInAuth0', {}))).to.include({ status: 503, code: 'UNAVAILABLE' });
    expect(tenant.users.get('auth0|busy')?.name).to.equal(undefined);
  });
});
