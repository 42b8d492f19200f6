/**
 * The user methods end to end through HTTP on a running keystream (embedded identity provider),
 * each with the caller its permission allows and callers it refuses.
 */
import fs from 'node:fs';
import type { RestClient } from '@keystream/client';
import { expect } from 'chai';
import { DRY_RUN_HEADER } from '@keystream/service-api';
import { outboxPathOf, readOutbox } from '@keystream/notify';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../testing/keystreamUnderTest.js';

describe('user custom methods over HTTP (embedded identity provider)', function () {
  this.timeout(60_000);
  let ks: KeystreamUnderTest;
  let alice: RestClient;

  before(async () => {
    ks = await startKeystreamUnderTest();
    alice = await ks.as('alice@example.com');
  });

  after(async () => {
    await ks.close();
  });

  async function createUser(user: Record<string, unknown>): Promise<Record<string, unknown>> {
    return ks.admin.call('CreateUser', { user });
  }

  describe('GetUserByEmail and BatchGetUsersByEmail', () => {
    it('should find a user whatever the case of the address, for a caller with users.getByEmail', async () => {
      const created = await createUser({ email: 'Mixed.Case@Example.com', fullName: 'Mixed Case' });
      const found = await ks.admin.call('GetUserByEmail', { email: 'MIXED.case@example.COM' }, { 'x-keystream-min-position': '' });
      expect(found['name']).to.equal(created['name']);
      expect(found['email']).to.equal('mixed.case@example.com');
      const viewed = await ks.admin.call('GetUserByEmail', { email: 'mixed.case@example.com', view: 'NAME' });
      expect(viewed).to.deep.equal({ name: created['name'] });
      expect((await refusalOf(ks.admin.call('GetUserByEmail', { email: 'nobody@example.com' }))).status).to.equal(404);
      expect((await refusalOf(ks.admin.call('GetUserByEmail', {}))).code).to.equal('INVALID_ARGUMENT');
    });

    it('should answer found users and the missing addresses as written', async () => {
      const one = await createUser({ email: 'batch-one@example.com' });
      const two = await createUser({ email: 'batch-two@example.com' });
      const answer = await ks.admin.call('BatchGetUsersByEmail', { emails: ['BATCH-ONE@example.com', 'batch-two@EXAMPLE.com', 'Nobody@Example.com', 'batch-one@example.com'] });
      expect((answer['users'] as { name: string }[]).map((user) => user.name).sort()).to.deep.equal([one['name'], two['name']].sort());
      expect(answer['missing']).to.deep.equal(['Nobody@Example.com']);
      expect((await refusalOf(ks.admin.call('BatchGetUsersByEmail', { emails: [] }))).code).to.equal('INVALID_ARGUMENT');
    });

    it('should refuse a signed-in user without the permission (403) and an anonymous caller (401)', async () => {
      expect(await refusalOf(alice.call('GetUserByEmail', { email: 'mixed.case@example.com' }))).to.include({ status: 403, code: 'PERMISSION_DENIED' });
      expect(await refusalOf(alice.call('BatchGetUsersByEmail', { emails: ['mixed.case@example.com'] }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('GetUserByEmail', { email: 'mixed.case@example.com' }))).to.include({ status: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('GetMySettings and SetMySettings', () => {
    it('should merge settings, unset a key given an empty value, and answer only the keys asked for', async () => {
      await alice.call('SetMySettings', { settings: { theme: 'dark', lang: 'en', tz: 'UTC' } });
      expect((await alice.call('GetMySettings', {}))['settings']).to.deep.equal({ theme: 'dark', lang: 'en', tz: 'UTC' });
      await alice.call('SetMySettings', { settings: { lang: '', theme: 'light' } });
      expect((await alice.call('GetMySettings', {}))['settings']).to.deep.equal({ theme: 'light', tz: 'UTC' });
      expect((await alice.call('GetMySettings', { keys: ['theme', 'lang'] }))['settings']).to.deep.equal({ theme: 'light' });
    });

    it('should keep each user’s settings apart and let concurrent calls both land', async () => {
      const bob = await ks.as('bob@example.com');
      await Promise.all([bob.call('SetMySettings', { settings: { a: '1' } }), bob.call('SetMySettings', { settings: { b: '2' } })]);
      expect((await bob.call('GetMySettings', {}))['settings']).to.deep.equal({ a: '1', b: '2' });
      expect((await alice.call('GetMySettings', { keys: ['a', 'b'] }))['settings'] ?? {}).to.deep.equal({});
    });

    it('should refuse an anonymous caller', async () => {
      expect(await refusalOf(ks.anonymous.call('GetMySettings', {}))).to.include({ status: 401 });
      expect(await refusalOf(ks.anonymous.call('SetMySettings', { settings: { x: 'y' } }))).to.include({ status: 401 });
    });
  });

  describe('ResendVerificationEmail and IsUserVerified', () => {
    it('should mail a link that verifies the address, after which IsUserVerified answers and GetUser shows it', async () => {
      const vera = await createUser({ email: 'vera@example.com', fullName: 'Vera' });
      const veraClient = await ks.as('vera@example.com');
      expect(await refusalOf(veraClient.call('IsUserVerified', {}))).to.include({ status: 400, code: 'FAILED_PRECONDITION' });
      await veraClient.call('ResendVerificationEmail', { clientId: 'web' });
      const mails = await readOutbox(outboxPathOf(ks.config.dataDirectory));
      const mail = mails.find((candidate) => candidate.to === 'vera@example.com' && candidate.template === 'email-verification');
      expect(mail, 'a mail to vera').not.to.equal(undefined);
      // The links inside let their holder verify the address: the outbox is its owner's only.
      expect(fs.statSync(outboxPathOf(ks.config.dataDirectory)).mode & 0o777).to.equal(0o600);
      const link = /(http\S+email-verification\?token=\S+)/.exec(mail?.text ?? '')?.[1] as string;
      const tampered = await fetch(`${ks.running.url}/email-verification?token=${encodeURIComponent(`${decodeURIComponent(link.split('token=')[1] as string)}x`)}`);
      expect(tampered.status).to.equal(400);
      await tampered.text();
      // The link points at the configured public URL; the test reaches the same path on the running server.
      const followed = await fetch(`${ks.running.url}${new URL(link).pathname}${new URL(link).search}`);
      expect(followed.status).to.equal(200);
      expect(await followed.text()).to.include('vera@example.com is verified');
      await veraClient.call('IsUserVerified', {});
      expect((await ks.admin.call('GetUser', { name: vera['name'] }))['emailVerified']).to.equal(true);
      expect(await refusalOf(veraClient.call('ResendVerificationEmail', {}))).to.include({ code: 'FAILED_PRECONDITION' });
    });

    it('should tell a signed-in user without a User resource to refresh first, and refuse anonymous callers', async () => {
      const stranger = await ks.as('never-refreshed@example.com');
      expect((await refusalOf(stranger.call('IsUserVerified', {}))).message).to.include('RefreshUserFromIdToken');
      expect(await refusalOf(ks.anonymous.call('ResendVerificationEmail', {}))).to.include({ status: 401 });
      expect(await refusalOf(ks.anonymous.call('IsUserVerified', {}))).to.include({ status: 401 });
    });
  });

  describe('ResetMFAIfRecoveryKeyUsed and SetUsersNameInAuth0 on the embedded directory', () => {
    it('should succeed for a user (the directory holds no second factor, and full_name is the name), and refuse anonymous callers', async () => {
      await createUser({ email: 'nina@example.com', fullName: 'Nina' });
      const nina = await ks.as('nina@example.com');
      expect(await nina.call('ResetMFAIfRecoveryKeyUsed', {})).to.deep.equal({});
      expect(await nina.call('SetUsersNameInAuth0', {})).to.deep.equal({});
      await createUser({ email: 'nameless@example.com' });
      expect(await refusalOf((await ks.as('nameless@example.com')).call('SetUsersNameInAuth0', {}))).to.include({ code: 'FAILED_PRECONDITION' });
      expect(await refusalOf(ks.anonymous.call('ResetMFAIfRecoveryKeyUsed', {}))).to.include({ status: 401 });
      expect(await refusalOf(ks.anonymous.call('SetUsersNameInAuth0', {}))).to.include({ status: 401 });
    });
  });

  describe('DeleteUsersByCriteria', () => {
    it('should list without deleting on a dry run, then delete exactly the users matching every criterion', async () => {
      const keep = await createUser({ email: 'crit-keep@example.com', authInfo: { provider: 'google', id: 'google|1' } });
      const drop = await createUser({ email: 'crit-drop@example.com', authInfo: { provider: 'auth0', id: 'auth0|team-1' } });
      const other = await createUser({ email: 'crit-other@example.com', authInfo: { provider: 'auth0', id: 'auth0|solo-1' } });
      const request = { byEmail: { values: ['CRIT-KEEP@example.com', 'crit-drop@example.com', 'crit-other@example.com'] }, authInfoProvider: 'auth0', authInfoIdPrefix: 'auth0|team' };
      const dry = await ks.admin.call('DeleteUsersByCriteria', request, { [DRY_RUN_HEADER]: 'true' });
      expect(dry['deletedUsers']).to.deep.equal([drop['name']]);
      expect((await ks.admin.call('GetUser', { name: drop['name'] }))['name']).to.equal(drop['name']);
      const real = await ks.admin.call('DeleteUsersByCriteria', request);
      expect(real['deletedUsers']).to.deep.equal([drop['name']]);
      expect((await refusalOf(ks.admin.call('GetUser', { name: drop['name'] }))).status).to.equal(404);
      for (const survivor of [keep, other]) expect((await ks.admin.call('GetUser', { name: survivor['name'] }))['name']).to.equal(survivor['name']);
      const byName = await ks.admin.call('DeleteUsersByCriteria', { byName: { values: [other['name'], 'users/does-not-exist'] } });
      expect(byName['deletedUsers']).to.deep.equal([other['name']]);
    });

    it('should refuse both or neither of by_email and by_name, a bad dry-run header, and callers without the permission', async () => {
      expect((await refusalOf(ks.admin.call('DeleteUsersByCriteria', { byEmail: { values: ['a@b.c'] }, byName: { values: ['users/x1'] } }))).code).to.equal('INVALID_ARGUMENT');
      expect((await refusalOf(ks.admin.call('DeleteUsersByCriteria', {}))).message).to.include('by_email');
      expect((await refusalOf(ks.admin.call('DeleteUsersByCriteria', { byName: { values: ['not-a-user-name'] } }))).message).to.include('by_name.values[0]');
      expect((await refusalOf(ks.admin.call('DeleteUsersByCriteria', { byName: { values: ['users/x1'] } }, { [DRY_RUN_HEADER]: 'maybe' }))).message).to.include(DRY_RUN_HEADER);
      expect(await refusalOf(alice.call('DeleteUsersByCriteria', { byEmail: { values: ['alice@example.com'] } }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('DeleteUsersByCriteria', { byEmail: { values: ['alice@example.com'] } }))).to.include({ status: 401 });
    });
  });
});
