/**
 * Service accounts, shards and service projects end to end through HTTP, each method with a caller
 * its permission allows and callers it refuses; admin credentials are answered once and appear in
 * no event (the relay's NDJSON stream holds every event) and no later read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '@keystream/api/testing';
import type { RestClient } from '@keystream/client';
import { expect } from 'chai';
import { shardOf } from '@keystream/service-api';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../testing/keystreamUnderTest.js';

describe('service accounts, shards and service projects over HTTP', function () {
  this.timeout(60_000);
  let ks: KeystreamUnderTest;
  let alice: RestClient;
  let eventFile: string;

  before(async () => {
    const directory = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'keystream-events-'));
    eventFile = path.join(directory, 'events.ndjson');
    ks = await startKeystreamUnderTest({
      KEYSTREAM_AGENT_SHARDS: '4',
      KEYSTREAM_SHARD_ENDPOINTS: '0=https://shard0.example;2=https://shard2a.example,https://shard2b.example',
      KEYSTREAM_EVENT_STREAM_FILE: eventFile,
    }, { captureLogs: true });
    alice = await ks.as('alice@example.com');
    await ks.admin.call('CreateProject', { project: { name: 'projects/fleet', title: 'Fleet' } });
  });

  after(async () => {
    await ks.close();
    fs.rmSync(path.dirname(eventFile), { recursive: true, force: true });
  });

  describe('GetMyAgentShard and GetShardEndpoints', () => {
    it('should answer the same shard for an agent every time, and the endpoints configured for a shard', async () => {
      const agent = 'projects/fleet/regions/eu/serviceAccounts/agent-7';
      await ks.admin.call('CreateServiceAccount', { parent: 'projects/fleet/regions/eu', serviceAccount: { name: agent, kind: 'AGENT' } });
      const first = await ks.admin.call('GetMyAgentShard', { name: agent });
      expect(first['shardNum']).to.equal(String(shardOf(agent, { count: 4 })));
      expect(await ks.admin.call('GetMyAgentShard', { name: agent })).to.deep.equal(first);
      expect((await ks.admin.call('GetShardEndpoints', { shardNum: '2' }))['endpoints']).to.deep.equal(['https://shard2a.example', 'https://shard2b.example']);
      expect((await ks.admin.call('GetShardEndpoints', { shardNum: '1' }))['endpoints'] ?? []).to.deep.equal([]);
      expect((await refusalOf(ks.admin.call('GetShardEndpoints', { shardNum: '4' }))).message).to.include('shard_num');
    });

    it('should refuse a non-agent account, and callers without the permission', async () => {
      const plain = 'projects/fleet/regions/eu/serviceAccounts/plain';
      await ks.admin.call('CreateServiceAccount', { parent: 'projects/fleet/regions/eu', serviceAccount: { name: plain } });
      expect((await refusalOf(ks.admin.call('GetMyAgentShard', { name: plain }))).code).to.equal('FAILED_PRECONDITION');
      expect(await refusalOf(alice.call('GetMyAgentShard', { name: plain }))).to.include({ status: 403 });
      expect(await refusalOf(alice.call('GetShardEndpoints', { shardNum: '0' }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('GetShardEndpoints', { shardNum: '0' }))).to.include({ status: 401 });
    });
  });

  describe('SetupServiceProject, ReserveServiceName, ListServiceReservations, DeleteServiceReservation, ListProjectServices', () => {
    it('should set up a service project (XSMALL by default) whose creator administers it, and refuse callers without the permission', async () => {
      const project = await ks.admin.call('SetupServiceProject', { name: 'projects/shop-svc', title: 'Shop service' });
      expect(project).to.include({ name: 'projects/shop-svc', title: 'Shop service', businessTier: 'XSMALL' });
      expect((await ks.admin.call('GetRoleBinding', { name: 'projects/shop-svc/roleBindings/creator-owner' }))['member']).to.equal('user:admin@keystream.local');
      expect(await refusalOf(alice.call('SetupServiceProject', { name: 'projects/alice-svc' }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('SetupServiceProject', { name: 'projects/anon-svc' }))).to.include({ status: 401 });
      expect((await refusalOf(ks.admin.call('SetupServiceProject', { title: 'no name' }))).message).to.include('name');
    });

    it('should reserve a name for an admin account, answer its credentials file once, and keep the secret out of every event and later read', async () => {
      const account = 'projects/shop-svc/regions/eu/serviceAccounts/shop-admin';
      const reserved = await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop.example.com', adminAccount: account, adminKey: {} });
      const credentials = reserved['nttAdminCredentials'] as Record<string, string>;
      expect(credentials['type']).to.equal('service_account');
      expect(credentials['client_email'] ?? credentials['clientEmail']).to.equal('shop-admin@shop-svc.serviceaccounts.iam.edgelq.com');
      const privateKey = credentials['private_key'] ?? credentials['privateKey'] ?? '';
      expect(privateKey).to.match(/BEGIN PRIVATE KEY/);
      const keyName = credentials['private_key_id'] ?? credentials['privateKeyId'] ?? '';
      expect(keyName.startsWith(`${account}/serviceAccountKeys/`)).to.equal(true);
      // Reserving again for the same account is a no-op and shows no secret.
      expect(await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop.example.com', adminAccount: account })).to.deep.equal({});
      // The account has its key: a second admin_key is refused.
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop2.example.com', adminAccount: account, adminKey: {} }))).code).to.equal('ALREADY_EXISTS');
      const key = await ks.admin.call('GetServiceAccountKey', { name: keyName });
      expect(JSON.stringify(key)).not.to.include(privateKey.split('\n')[1]);
      const body = privateKey.split('\n')[1] as string;
      await eventually(() => fs.existsSync(eventFile) && fs.readFileSync(eventFile, 'utf8').includes(keyName), 10_000, 'the key event relayed');
      expect(fs.readFileSync(eventFile, 'utf8')).not.to.include(body);
      expect(ks.logs(), 'the process logged').to.include('"level"');
      expect(ks.logs()).not.to.include(body);
      expect(await ks.admin.call('ListServiceReservations', { name: 'projects/shop-svc' })).to.deep.equal({ reservations: [{ service: 'services/shop.example.com', adminAccount: account }] });
    });

    it('should refuse a name reserved by another project, and reservations in a project that is not a service project', async () => {
      await ks.admin.call('SetupServiceProject', { name: 'projects/rival-svc' });
      const rival = { name: 'projects/rival-svc', service: 'services/shop.example.com', adminAccount: 'projects/rival-svc/regions/eu/serviceAccounts/rival-admin' };
      expect((await refusalOf(ks.admin.call('ReserveServiceName', rival))).code).to.equal('ALREADY_EXISTS');
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { ...rival, name: 'projects/fleet', adminAccount: 'projects/fleet/regions/eu/serviceAccounts/x-admin' }))).code).to.equal('FAILED_PRECONDITION');
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { ...rival, adminAccount: 'projects/fleet/regions/eu/serviceAccounts/x-admin' }))).message).to.include('admin_account');
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { ...rival, service: 'shop' }))).message).to.include('service');
    });

    it('should delete a reservation, after which another project may reserve the name', async () => {
      await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/spare.example.com', adminAccount: 'projects/shop-svc/regions/eu/serviceAccounts/spare-admin' });
      expect((await refusalOf(ks.admin.call('DeleteServiceReservation', { name: 'projects/rival-svc', service: 'services/spare.example.com' }))).code).to.equal('NOT_FOUND');
      await ks.admin.call('DeleteServiceReservation', { name: 'projects/shop-svc', service: 'services/spare.example.com' });
      await ks.admin.call('ReserveServiceName', { name: 'projects/rival-svc', service: 'services/spare.example.com', adminAccount: 'projects/rival-svc/regions/eu/serviceAccounts/rival-admin' });
      expect((await ks.admin.call('ListServiceReservations', { name: 'projects/rival-svc' }))['reservations']).to.deep.equal([{ service: 'services/spare.example.com', adminAccount: 'projects/rival-svc/regions/eu/serviceAccounts/rival-admin' }]);
    });

    it('should list no services of a project that registered none, and refuse the project methods to callers without access', async () => {
      expect((await ks.admin.call('ListProjectServices', { name: 'projects/shop-svc' }))['services'] ?? []).to.deep.equal([]);
      for (const [method, request] of [
        ['ReserveServiceName', { name: 'projects/shop-svc', service: 'services/evil.example.com', adminAccount: 'projects/shop-svc/regions/eu/serviceAccounts/evil' }],
        ['DeleteServiceReservation', { name: 'projects/shop-svc', service: 'services/shop.example.com' }],
        ['ListServiceReservations', { name: 'projects/shop-svc' }],
        ['ListProjectServices', { name: 'projects/shop-svc' }],
      ] as const) {
        expect(await refusalOf(alice.call(method, request)), method).to.include({ status: 403 });
        expect(await refusalOf(ks.anonymous.call(method, request)), method).to.include({ status: 401 });
      }
      expect((await ks.admin.call('ListServiceReservations', { name: 'projects/shop-svc' }))['reservations']).to.have.length(1);
    });
  });

  describe('AddRegionalAdminAccountForServices', () => {
    it('should create the regional admin with a key, answer the credentials once, and bind it as administrator of the service', async () => {
      const parent = 'projects/shop-svc/regions/us';
      const account = `${parent}/serviceAccounts/shop-us-admin`;
      const answer = await ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: account });
      const credentials = answer['nttAdminCredentials'] as Record<string, string>;
      expect(credentials['type']).to.equal('service_account');
      expect(credentials['private_key'] ?? credentials['privateKey']).to.match(/BEGIN PRIVATE KEY/);
      const bindings = await ks.admin.call('ListRoleBindings', { parent: 'services/shop.example.com' });
      expect((bindings['roleBindings'] as { member: string }[]).map((binding) => binding.member)).to.include('serviceAccount:shop-us-admin@shop-svc.serviceaccounts.iam.edgelq.com');
      // Existing account, no admin_key: nothing new, no secret.
      expect(await ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: account })).to.deep.equal({});
      // A retried request (same x-request-id) creates nothing more and shows no secret again.
      const retried = { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/shop-us-second` };
      const firstAnswer = await ks.admin.call('AddRegionalAdminAccountForServices', retried, { 'x-request-id': 'regional-admin-1' });
      expect((firstAnswer['nttAdminCredentials'] as Record<string, string>)['private_key']).to.match(/BEGIN PRIVATE KEY/);
      expect(await ks.admin.call('AddRegionalAdminAccountForServices', retried, { 'x-request-id': 'regional-admin-1' })).to.deep.equal({});
      const keysOf = async (): Promise<unknown[]> => ((await ks.admin.call('ListServiceAccountKeys', { parent: `${parent}/serviceAccounts/shop-us-second` }))['serviceAccountKeys'] as unknown[] | undefined) ?? [];
      await eventually(async () => (await keysOf()).length > 0, 10_000, 'the key in the read model');
      expect(await keysOf()).to.have.length(1);
    });

    it('should refuse services of another project, and callers without the permission', async () => {
      const parent = 'projects/shop-svc/regions/us';
      expect((await refusalOf(ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/spare.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).code).to.equal('FAILED_PRECONDITION');
      expect(await refusalOf(alice.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).to.include({ status: 401 });
    });
  });
});
