/**
 * GetPrincipal and WatchPrincipalUpdates on their REST routes (`POST /v1:getPrincipal`,
 * `POST /v1:watchPrincipalUpdates`), through HTTP on a running keystream: a service watching
 * principals sees a key revoked and a binding changed, resumes from its token, and callers without
 * the right to read principals are refused.
 */
import { eventually, withDeadline } from '@keystream/api/testing';
import { RestError, WatchSocket, type RestClient } from '@keystream/client';
import { expect } from 'chai';
import { refusalOf, startKeystreamUnderTest, type KeystreamUnderTest } from '../testing/keystreamUnderTest.js';

type Wire = Record<string, unknown>;

/** Reads a watch stream in the background: responses collected, next() waits for a matching one. */
class StreamReader {
  readonly responses: Wire[] = [];
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  failure: unknown;
  private readonly done: Promise<void>;

  constructor(client: RestClient, method: string, request: Wire) {
    this.done = (async () => {
      try {
        for await (const response of client.stream(method, request, this.abort.signal)) {
          this.responses.push(response);
          this.wake?.();
        }
      } catch (error) {
        if (!this.abort.signal.aborted) this.failure = error;
      } finally {
        this.wake?.();
      }
    })();
  }

  /** The first response after `from` that satisfies `match`; its index. */
  async waitFor(match: (response: Wire) => boolean, from: number, what: string): Promise<number> {
    return withDeadline(
      (async () => {
        for (;;) {
          const index = this.responses.findIndex((response, position) => position >= from && match(response));
          if (index >= 0) return index;
          if (this.failure !== undefined) throw this.failure as Error;
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      })(),
      15_000,
      what,
    );
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

function currentIds(response: Wire): string[] {
  return ((response['currentPrincipals'] as Wire[] | undefined) ?? []).map((principal) => principal['principalKeyId'] as string);
}

function removedIds(response: Wire): string[] {
  return ((response['removedPrincipals'] as Wire[] | undefined) ?? []).map((principal) => principal['principalKeyId'] as string);
}

describe('GetPrincipal and WatchPrincipalUpdates over HTTP', function () {
  this.timeout(60_000);
  let ks: KeystreamUnderTest;
  let keyName: string;
  let apiKey: string;

  before(async () => {
    ks = await startKeystreamUnderTest();
    await ks.admin.call('CreateProject', { project: { name: 'projects/acme', title: 'Acme', multiRegionPolicy: {} } });
    await ks.admin.call('CreateServiceAccount', { parent: 'projects/acme/regions/eu', serviceAccount: { name: 'projects/acme/regions/eu/serviceAccounts/robot' } });
    const key = await ks.admin.call('CreateServiceAccountKey', { parent: 'projects/acme/regions/eu/serviceAccounts/robot', serviceAccountKey: { algorithm: 'API_KEY' } });
    keyName = key['name'] as string;
    apiKey = key['apiKey'] as string;
  });

  after(async () => {
    await ks.close();
  });

  describe('GetPrincipal', () => {
    it('should describe the caller: a user, a service account, or anonymous', async () => {
      const alice = await ks.as('alice@example.com');
      const me = await alice.call('GetPrincipal', {});
      expect(me['principalKeyType']).to.equal('user');
      expect((me['user'] as Wire)['email']).to.equal('alice@example.com');
      const robot = await ks.withBearer(apiKey).call('GetPrincipal', {});
      expect(robot['principalKeyType']).to.equal('serviceAccount');
      expect((robot['serviceAccount'] as Wire)['name']).to.equal('projects/acme/regions/eu/serviceAccounts/robot');
      expect(await ks.anonymous.call('GetPrincipal', {})).to.deep.include({ anonymous: true });
    });

    it('should describe another principal by key id to a caller allowed to read principals, and refuse others', async () => {
      const robot = await ks.admin.call('GetPrincipal', { principalKeyId: keyName });
      expect(robot['principalKeyType']).to.equal('serviceAccount');
      expect((robot['serviceAccount'] as Wire)['name']).to.equal('projects/acme/regions/eu/serviceAccounts/robot');
      const rsa = await ks.admin.call('CreateServiceAccountKey', { parent: 'projects/acme/regions/eu/serviceAccounts/robot', serviceAccountKey: { algorithm: 'RSA_1024' } });
      // A service verifies the account's self-signed tokens with the public key it is given.
      expect((await ks.admin.call('GetPrincipal', { principalKeyId: rsa['name'] }))['jsonKey']).to.match(/BEGIN PUBLIC KEY/);
      expect((await refusalOf(ks.admin.call('GetPrincipal', { principalKeyId: 'users/u0000000000000000000000000000' }))).status).to.equal(404);
      const alice = await ks.as('alice@example.com');
      expect(await refusalOf(alice.call('GetPrincipal', { principalKeyId: keyName }))).to.include({ status: 403 });
      expect(await refusalOf(ks.anonymous.call('GetPrincipal', { principalKeyId: keyName }))).to.include({ status: 401 });
      expect((await refusalOf(ks.admin.call('GetPrincipal', { principalKeyId: 'nonsense' }))).code).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('WatchPrincipalUpdates', () => {
    it('should snapshot the principals, then show a revoked key as removed and a binding change as its member current, and resume from a token', async () => {
      // A service's account, allowed to read principals in its service's scope (scope-viewer holds users.watch and serviceAccountKeys.watch).
      await ks.admin.call('CreateServiceAccount', { parent: 'projects/acme/regions/eu', serviceAccount: { name: 'projects/acme/regions/eu/serviceAccounts/shop' } });
      const shopKey = await ks.admin.call('CreateServiceAccountKey', { parent: 'projects/acme/regions/eu/serviceAccounts/shop', serviceAccountKey: { algorithm: 'API_KEY' } });
      await ks.admin.call('CreateRoleBinding', { parent: 'services/shop.example.com', roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'serviceAccount:shop@acme.serviceaccounts.iam.edgelq.com' } });
      const service = ks.withBearer(shopKey['apiKey'] as string);
      const user = await ks.admin.call('CreateUser', { user: { email: 'watched@example.com' } });
      const reader = new StreamReader(service, 'WatchPrincipalUpdates', { requestingService: 'services/shop.example.com' });
      try {
        const first = await reader.waitFor((response) => response['isCurrent'] === true, 0, 'the snapshot');
        const snapshot = reader.responses.slice(0, first + 1).flatMap(currentIds);
        expect(snapshot).to.include(keyName);
        // Created a moment before the watch: in its snapshot, or right after it.
        await reader.waitFor((response) => currentIds(response).includes(user['name'] as string), 0, 'the new user');
        const token = reader.responses[first]?.['resumeToken'] as string;
        expect(token).to.match(/^[0-9a-f]+$/);

        await ks.admin.call('DeleteServiceAccountKey', { name: keyName });
        const removal = await reader.waitFor((response) => removedIds(response).includes(keyName), first + 1, 'the revoked key');
        expect(reader.responses[removal]?.['isCurrent']).to.equal(true);

        await ks.admin.call('CreateRoleBinding', { parent: 'projects/acme', roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'user:watched@example.com' } });
        const rebound = await reader.waitFor((response) => currentIds(response).includes(user['name'] as string), removal + 1, 'the rebound user');
        expect(reader.responses[rebound]?.['isCurrent']).to.equal(true);

        // Resuming from the snapshot's token replays what happened since, without a snapshot.
        const resumed = new StreamReader(service, 'WatchPrincipalUpdates', { requestingService: 'services/shop.example.com', resumeToken: token });
        try {
          await resumed.waitFor((response) => removedIds(response).includes(keyName), 0, 'the revocation, replayed');
          await resumed.waitFor((response) => currentIds(response).includes(user['name'] as string), 0, 'the binding, replayed');
          expect(resumed.responses.flatMap(currentIds)).not.to.include(keyName);
        } finally {
          await resumed.close();
        }
      } finally {
        await reader.close();
      }
      // The same account may not read principals for another service: refused before anything streams.
      const refused = new StreamReader(service, 'WatchPrincipalUpdates', { requestingService: 'services/other.example.com' });
      await refused.waitFor(() => false, 0, 'the refusal').catch(() => undefined);
      expect(refused.failure).to.be.instanceOf(RestError);
      expect((refused.failure as RestError).status).to.equal(403);
      await refused.close();
    });

    it('should re-send the users and service accounts of a group whose bindings or members change, nested groups included', async () => {
      const watcher = new StreamReader(ks.admin, 'WatchPrincipalUpdates', {});
      try {
        // ops ⊃ {carol, oncall}; oncall ⊃ {dave, the pager account}.
        const carol = await ks.admin.call('CreateUser', { user: { email: 'carol@example.com' } });
        const dave = await ks.admin.call('CreateUser', { user: { email: 'dave@example.com' } });
        const erin = await ks.admin.call('CreateUser', { user: { email: 'erin@example.com' } });
        await ks.admin.call('CreateServiceAccount', { parent: 'projects/acme/regions/eu', serviceAccount: { name: 'projects/acme/regions/eu/serviceAccounts/pager' } });
        const pagerKey = (await ks.admin.call('CreateServiceAccountKey', { parent: 'projects/acme/regions/eu/serviceAccounts/pager', serviceAccountKey: { algorithm: 'API_KEY' } }))['name'] as string;
        await ks.admin.call('CreateGroup', { parent: 'projects/acme', group: { name: 'projects/acme/groups/ops', displayName: 'Ops' } });
        await ks.admin.call('CreateGroup', { parent: 'projects/acme', group: { name: 'projects/acme/groups/oncall', displayName: 'On call' } });
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/ops', groupMember: { name: 'projects/acme/groups/ops/groupMembers/carol', member: 'user:carol@example.com' } });
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/ops', groupMember: { name: 'projects/acme/groups/ops/groupMembers/oncall', member: 'group:oncall@acme.groups.iam.edgelq.com' } });
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/oncall', groupMember: { name: 'projects/acme/groups/oncall/groupMembers/dave', member: 'user:dave@example.com' } });
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/oncall', groupMember: { name: 'projects/acme/groups/oncall/groupMembers/pager', member: 'serviceAccount:pager@acme.serviceaccounts.iam.edgelq.com' } });
        const sentSince = (from: number): Set<string> => new Set(watcher.responses.slice(from).flatMap(currentIds));
        // Everything above has been sent once the watch shows each principal, and a last membership
        // (of a group nobody is bound through) re-sends its member: later responses are the test's own.
        await watcher.waitFor(() => [carol['name'] as string, dave['name'] as string, erin['name'] as string, pagerKey].every((id) => sentSince(0).has(id)), 0, 'the setup in the watch');
        const sentinel = await ks.admin.call('CreateUser', { user: { email: 'sentinel@example.com' } });
        await ks.admin.call('CreateGroup', { parent: 'projects/acme', group: { name: 'projects/acme/groups/idle', displayName: 'Idle' } });
        const seenSentinel = await watcher.waitFor((response) => currentIds(response).includes(sentinel['name'] as string), 0, 'the sentinel user');
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/idle', groupMember: { name: 'projects/acme/groups/idle/groupMembers/sentinel', member: 'user:sentinel@example.com' } });
        const settled = await watcher.waitFor((response) => currentIds(response).includes(sentinel['name'] as string), seenSentinel + 1, 'the sentinel joining a group');

        // A binding of the outer group reaches carol, and dave and the pager account through oncall; not erin.
        await ks.admin.call('CreateRoleBinding', { parent: 'projects/acme', roleBinding: { name: 'projects/acme/roleBindings/ops-viewer', role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'group:ops@acme.groups.iam.edgelq.com' } });
        await watcher.waitFor(() => [carol['name'] as string, dave['name'] as string, pagerKey].every((id) => sentSince(settled + 1).has(id)), settled + 1, 'the members of the bound group');
        const afterBinding = watcher.responses.length;
        expect(sentSince(settled + 1).has(erin['name'] as string)).to.equal(false);

        // Erin joins ops: erin is re-sent.
        await ks.admin.call('CreateGroupMember', { parent: 'projects/acme/groups/ops', groupMember: { name: 'projects/acme/groups/ops/groupMembers/erin', member: 'user:erin@example.com' } });
        await watcher.waitFor((response) => currentIds(response).includes(erin['name'] as string), afterBinding, 'erin joining');
        const afterJoin = watcher.responses.length;

        // Dave leaves oncall: dave is re-sent (his rights through ops shrank).
        await ks.admin.call('DeleteGroupMember', { name: 'projects/acme/groups/oncall/groupMembers/dave' });
        await watcher.waitFor((response) => currentIds(response).includes(dave['name'] as string), afterJoin, 'dave leaving');
        const afterLeave = watcher.responses.length;

        // The group's binding removed: its members now (carol, erin, the pager account), not dave.
        await ks.admin.call('DeleteRoleBinding', { name: 'projects/acme/roleBindings/ops-viewer' });
        await watcher.waitFor(() => [carol['name'] as string, erin['name'] as string, pagerKey].every((id) => sentSince(afterLeave).has(id)), afterLeave, 'the members of the unbound group');
      } finally {
        await watcher.close();
      }
    });

    it('should stream over the WebSocket gateway too', async () => {
      const socket = await WatchSocket.connect(`${ks.running.url.replace(/^http/, 'ws')}/v1/watch`, { authorization: ks.adminAuthorization });
      const responses: Wire[] = [];
      const errors: Wire[] = [];
      try {
        socket.watch('WatchPrincipalUpdates', {}, { onResponse: (response) => responses.push(response), onError: (error) => errors.push(error) });
        await eventually(() => responses.some((response) => response['isCurrent'] === true) || errors.length > 0, 15_000, 'the snapshot over WebSocket');
        expect(errors).to.deep.equal([]);
        expect(responses.flatMap(currentIds).some((id) => id.startsWith('projects/acme/regions/eu/serviceAccounts/robot/serviceAccountKeys/'))).to.equal(true);
      } finally {
        await socket.close();
      }
    });

    it('should refuse a user without the right to read principals and an anonymous caller', async () => {
      for (const [client, status] of [[await ks.as('alice@example.com'), 403], [ks.anonymous, 401]] as const) {
        const reader = new StreamReader(client, 'WatchPrincipalUpdates', {});
        await reader.waitFor(() => false, 0, 'the refusal').catch(() => undefined);
        expect((reader.failure as RestError | undefined)?.status).to.equal(status);
        expect(reader.responses).to.deep.equal([]);
        await reader.close();
      }
    });
  });

});
