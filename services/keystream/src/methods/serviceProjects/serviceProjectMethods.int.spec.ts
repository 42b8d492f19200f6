/**
 * Service accounts, shards and service projects end to end through HTTP, each method with a caller
 * its permission allows and callers it refuses; admin credentials are answered once and appear in
 * no event (the relay's NDJSON stream holds every event) and no later read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '@keystream/api/testing';
import type { RestClient } from '@keystream/client';
import { messageDescriptor } from '@keystream/api';
import { expect } from 'chai';
import { shardOf } from '@keystream/service-api';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../testing/keystreamUnderTest.js';

/**
 * Whether the generated contract types `ntt_admin_credentials` as the credentials file
 * (ntt.api.ServiceAccount). Until it does, the wire codec drops the file's fields from the answer,
 * so the specs that read them say why they skip instead of failing on the contract.
 */
function contractCarriesCredentialsFile(): boolean {
  const field = messageDescriptor('ReserveServiceNameResponse').fields.find((candidate) => candidate.protoName === 'ntt_admin_credentials');
  return field?.value.kind === 'message' && messageDescriptor(field.value.messageName).fields.some((candidate) => candidate.protoName === 'private_key');
}

function requireCredentialsFile(context: Mocha.Context): void {
  if (contractCarriesCredentialsFile()) return;
  console.log('      skipped: the generated contract still types ntt_admin_credentials as the iam ServiceAccount, so its credentials-file fields do not reach the wire (the contract fix is issue 14)');
  context.skip();
}

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
    await ks.admin.call('CreateProject', { project: { name: 'projects/fleet', title: 'Fleet', multiRegionPolicy: {} } });
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
      const project = await ks.admin.call('SetupServiceProject', { name: 'projects/shop-svc', title: 'Shop service', multiRegionPolicy: {} });
      expect(project).to.include({ name: 'projects/shop-svc', title: 'Shop service', businessTier: 'XSMALL' });
      expect((await ks.admin.call('GetRoleBinding', { name: 'projects/shop-svc/roleBindings/creator-owner' }))['member']).to.equal('user:admin@keystream.local');
      expect(await refusalOf(alice.call('SetupServiceProject', { name: 'projects/alice-svc', title: 'service', multiRegionPolicy: {} }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('SetupServiceProject', { name: 'projects/anon-svc', title: 'service', multiRegionPolicy: {} }))).to.include({ status: 401 });
      expect((await refusalOf(ks.admin.call('SetupServiceProject', { title: 'no name', multiRegionPolicy: {} }))).message).to.include('name');
    });

    it('should reserve a name for an admin account, creating the account with one key, and refuse a second admin key', async () => {
      const account = 'projects/shop-svc/regions/eu/serviceAccounts/shop-admin';
      await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop.example.com', adminAccount: account, adminKey: {} });
      // Reserving again for the same account is a no-op and shows no secret.
      expect(await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop.example.com', adminAccount: account })).to.deep.equal({});
      // The account has its key: a second admin_key is refused.
      await eventually(async () => ((await ks.admin.call('ListServiceAccountKeys', { parent: account }))['serviceAccountKeys'] as unknown[] | undefined)?.length === 1, 10_000, 'the admin key');
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/shop2.example.com', adminAccount: account, adminKey: {} }))).code).to.equal('ALREADY_EXISTS');
      expect((await ks.admin.call('GetServiceAccount', { name: account }))['name']).to.equal(account);
      expect(await ks.admin.call('ListServiceReservations', { name: 'projects/shop-svc' })).to.deep.equal({ reservations: [{ service: 'services/shop.example.com', adminAccount: account }] });
    });

    it('should answer the admin credentials file once and keep the secret out of every event, log line and later read', async function () {
      requireCredentialsFile(this);
      const account = 'projects/shop-svc/regions/eu/serviceAccounts/vault-admin';
      const reserved = await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/vault.example.com', adminAccount: account, adminKey: {} });
      const credentials = reserved['nttAdminCredentials'] as Record<string, string>;
      expect(credentials['type']).to.equal('service_account');
      expect(credentials['client_email']).to.equal('vault-admin@shop-svc.serviceaccounts.iam.edgelq.com');
      const privateKey = credentials['private_key'] ?? '';
      expect(privateKey).to.match(/BEGIN PRIVATE KEY/);
      const keyName = credentials['private_key_id'] ?? '';
      expect(keyName.startsWith(`${account}/serviceAccountKeys/`)).to.equal(true);
      const body = privateKey.split('\n')[1] as string;
      expect(JSON.stringify(await ks.admin.call('GetServiceAccountKey', { name: keyName }))).not.to.include(body);
      expect(await ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service: 'services/vault.example.com', adminAccount: account })).to.deep.equal({});
      await eventually(() => fs.existsSync(eventFile) && fs.readFileSync(eventFile, 'utf8').includes(keyName), 10_000, 'the key event relayed');
      expect(fs.readFileSync(eventFile, 'utf8')).not.to.include(body);
      expect(ks.logs(), 'the process logged').to.include('"level"');
      expect(ks.logs()).not.to.include(body);
    });

    it('should refuse a name reserved by another project, and reservations in a project that is not a service project', async () => {
      await ks.admin.call('SetupServiceProject', { name: 'projects/rival-svc', title: 'service', multiRegionPolicy: {} });
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
      expect((await ks.admin.call('ListServiceReservations', { name: 'projects/shop-svc' }))['reservations']).to.have.length(2); // shop and vault
    });
  });

  describe('RegisterService (claiming a reserved name)', () => {
    const project = 'projects/claim-svc';
    const account = `${project}/regions/eu/serviceAccounts/claim-admin`;
    const service = 'services/claim.example.com';
    let owner: RestClient;
    let adminAccount: RestClient;

    before(async () => {
      await ks.admin.call('SetupServiceProject', { name: project, title: 'Claims', multiRegionPolicy: {} });
      await ks.admin.call('ReserveServiceName', { name: project, service, adminAccount: account });
      // The reserving account signs in with a key of its own (an API key here).
      const key = await ks.admin.call('CreateServiceAccountKey', { parent: account, serviceAccountKey: { algorithm: 'API_KEY' } });
      adminAccount = ks.withBearer(key['apiKey'] as string);
      // Another account of the same project, and the project's own administrator (a user).
      owner = await ks.as('owner@example.com');
      await ks.admin.call('CreateRoleBinding', { parent: project, roleBinding: { role: 'services/iam.edgelq.com/roles/scope-admin', member: 'user:owner@example.com' } });
    });

    it('should refuse everyone but the reserving admin account: other accounts and administrators 403 naming service.name, anonymous 401', async () => {
      await ks.admin.call('CreateServiceAccount', { parent: `${project}/regions/eu`, serviceAccount: { name: `${project}/regions/eu/serviceAccounts/intruder` } });
      const intruderKey = await ks.admin.call('CreateServiceAccountKey', { parent: `${project}/regions/eu/serviceAccounts/intruder`, serviceAccountKey: { algorithm: 'API_KEY' } });
      const intruder = ks.withBearer(intruderKey['apiKey'] as string);
      for (const [who, client] of [['another account', intruder], ['the project administrator', owner], ['the system administrator', ks.admin], ['a stranger', alice]] as const) {
        const refusal = await refusalOf(client.call('RegisterService', { service: { name: service, displayName: 'Claims' } }));
        expect(refusal, who).to.include({ status: 403, code: 'PERMISSION_DENIED' });
        expect(refusal.message, who).to.include('service.name');
      }
      expect(await refusalOf(ks.anonymous.call('RegisterService', { service: { name: service } }))).to.include({ status: 401 });
      expect((await ks.admin.call('ListProjectServices', { name: project }))['services'] ?? []).to.deep.equal([]);
      expect((await ks.admin.call('ListServiceReservations', { name: project }))['reservations']).to.deep.equal([{ service, adminAccount: account }]);
    });

    it('should refuse bad input naming the field, and a name nobody reserved', async () => {
      expect(await refusalOf(adminAccount.call('RegisterService', { service: { name: 'services/Not A Domain' } }))).to.include({ status: 400 });
      const unknownField = await refusalOf(adminAccount.call('RegisterService', { service: { name: service, allVersions: 'v1' } }));
      expect(unknownField).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      expect(unknownField.message).to.include('allVersions');
      const free = await refusalOf(adminAccount.call('RegisterService', { service: { name: 'services/free.example.com' } }));
      expect(free).to.include({ code: 'FAILED_PRECONDITION' });
      expect(free.message).to.include('service.name');
    });

    it('should let the reserving admin account claim the name once over REST: the service is then listed, and its reservation is gone', async () => {
      const registered = await adminAccount.call('RegisterService', { service: { name: service, displayName: 'Claims', allVersions: ['v1'], globalDomain: 'claim.example.com', metadata: { uuid: 'forged' } } });
      expect(registered).to.include({ name: service, displayName: 'Claims', globalDomain: 'claim.example.com' });
      expect(registered['allVersions']).to.deep.equal(['v1']);
      // Output-only metadata is the server's.
      const metadata = registered['metadata'] as Record<string, unknown>;
      expect(metadata['uuid']).to.not.equal('forged');
      expect(Date.parse(metadata['createTime'] as string)).to.be.greaterThan(0);
      const listed = (await ks.admin.call('ListProjectServices', { name: project }))['services'] as Record<string, unknown>[];
      expect(listed.map((entry) => entry['name'])).to.deep.equal([service]);
      expect(listed[0]).to.include({ displayName: 'Claims' });
      expect((await ks.admin.call('ListServiceReservations', { name: project }))['reservations'] ?? []).to.deep.equal([]);
      expect(await refusalOf(adminAccount.call('RegisterService', { service: { name: service } }))).to.include({ status: 409, code: 'ALREADY_EXISTS' });
      // The name stays taken: no project may reserve it again.
      expect((await refusalOf(ks.admin.call('ReserveServiceName', { name: 'projects/shop-svc', service, adminAccount: 'projects/shop-svc/regions/eu/serviceAccounts/late-admin' }))).code).to.equal('ALREADY_EXISTS');
    });

    it('should refuse to delete the reservation of a claimed name (it is a service now), naming the field', async () => {
      const refusal = await refusalOf(ks.admin.call('DeleteServiceReservation', { name: project, service }));
      expect(refusal).to.include({ status: 400, code: 'FAILED_PRECONDITION' });
      expect(refusal.message).to.include('service');
      expect(((await ks.admin.call('ListProjectServices', { name: project }))['services'] as unknown[]).length).to.equal(1);
      // Another project asking about the name is told it holds no reservation of it.
      expect((await refusalOf(ks.admin.call('DeleteServiceReservation', { name: 'projects/shop-svc', service }))).code).to.equal('NOT_FOUND');
    });
  });

  describe('AddRegionalAdminAccountForServices', () => {
    it('should create the regional admin with a key and bind it as administrator of the service, once', async () => {
      const parent = 'projects/shop-svc/regions/us';
      const account = `${parent}/serviceAccounts/shop-us-admin`;
      await ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: account });
      const members = async (): Promise<string[]> => (((await ks.admin.call('ListRoleBindings', { parent: 'services/shop.example.com' }))['roleBindings'] as { member: string }[] | undefined) ?? []).map((binding) => binding.member);
      await eventually(async () => (await members()).includes('serviceAccount:shop-us-admin@shop-svc.serviceaccounts.iam.edgelq.com'), 10_000, 'the admin binding of the service');
      // Existing account, no admin_key: nothing new, no secret.
      expect(await ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: account })).to.deep.equal({});
      await eventually(async () => ((await ks.admin.call('ListServiceAccountKeys', { parent: account }))['serviceAccountKeys'] as unknown[] | undefined)?.length === 1, 10_000, 'one key');
    });

    it('should answer the regional admin credentials once, and not again on a retry of the request', async function () {
      requireCredentialsFile(this);
      const parent = 'projects/shop-svc/regions/us';
      const retried = { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/shop-us-second` };
      const firstAnswer = await ks.admin.call('AddRegionalAdminAccountForServices', retried, { 'x-request-id': 'regional-admin-1' });
      const credentials = firstAnswer['nttAdminCredentials'] as Record<string, string>;
      expect(credentials['type']).to.equal('service_account');
      expect(credentials['private_key']).to.match(/BEGIN PRIVATE KEY/);
      expect(await ks.admin.call('AddRegionalAdminAccountForServices', retried, { 'x-request-id': 'regional-admin-1' })).to.deep.equal({});
    });

    it('should refuse services of another project, and callers without the permission', async () => {
      const parent = 'projects/shop-svc/regions/us';
      expect((await refusalOf(ks.admin.call('AddRegionalAdminAccountForServices', { parent, services: ['services/spare.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).code).to.equal('FAILED_PRECONDITION');
      expect(await refusalOf(alice.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('AddRegionalAdminAccountForServices', { parent, services: ['services/shop.example.com'], adminAccount: `${parent}/serviceAccounts/x-admin` }))).to.include({ status: 401 });
    });
  });
});
