/**
 * How WatchPrincipalUpdates merges its four watches, driven response by response through an
 * engine whose watches the spec plays (the end-to-end spec covers the real engine).
 */
import { KeystreamError, type MethodDescriptor } from '@keystream/api';
import { AuthzIndex } from '@keystream/authz';
import { eventually } from '@keystream/api/testing';
import type { JsonObject } from '@keystream/domain';
import type { ReadStore } from '@keystream/readstore';
import type { ResourceRepository } from '@keystream/service-api';
import type { WatchEngine, WatchSink } from '@keystream/watch';
import { expect } from 'chai';
import { startPrincipalUpdatesWatch } from './principalUpdatesWatch.js';

interface Played {
  readonly method: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly sink: WatchSink;
  closed: boolean;
}

function scriptedEngine(): { engine: Pick<WatchEngine, 'start'>; started: Played[] } {
  const started: Played[] = [];
  const engine: Pick<WatchEngine, 'start'> = {
    start(method: MethodDescriptor, request: Readonly<Record<string, unknown>>, sink: WatchSink) {
      const played: Played = { method: method.name, request, sink, closed: false };
      started.push(played);
      return {
        plan: undefined,
        close: () => {
          played.closed = true;
        },
        done: Promise.resolve(),
      };
    },
  };
  return { engine, started };
}

const repository = {
  liveResource: (kind: string, name: string) => Promise.resolve(kind === 'ServiceAccount' ? { name, email: 'robot@p.serviceaccounts.iam.edgelq.com' } : undefined),
  load: () => Promise.resolve({ state: { status: 'absent' }, lastEvent: undefined }),
} as unknown as ResourceRepository;
const readStore = { query: () => Promise.resolve({ documents: [] }) } as unknown as ReadStore;
const groups = new AuthzIndex();

function collector(): { sink: WatchSink; responses: JsonObject[]; failures: KeystreamError[] } {
  const responses: JsonObject[] = [];
  const failures: KeystreamError[] = [];
  return { responses, failures, sink: { send: (response) => responses.push(response) > 0, whenWritable: () => Promise.resolve(), fail: (error) => failures.push(error) } };
}

function part(started: Played[], method: string): Played {
  const found = [...started].reverse().find((played) => played.method === method);
  if (found === undefined) throw new Error(`${method} not started`);
  return found;
}

describe('startPrincipalUpdatesWatch', () => {
  describe('having four parts that snapshot', () => {
    it('should commit once all four are current, with the oldest token, and map keys, users and removals', async () => {
      const { engine, started } = scriptedEngine();
      const out = collector();
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore, groups }, {}, out.sink);
      expect(started.map((played) => played.method)).to.deep.equal(['WatchUsers', 'WatchServiceAccountKeys', 'WatchRoleBindings', 'WatchGroupMembers']);
      expect(started.every((played) => played.request['type'] === 'STATELESS')).to.equal(true);
      part(started, 'WatchUsers').sink.send({ userChanges: [{ current: { user: { name: 'users/u1', email: 'a@x.y' } } }], isCurrent: true, resumeToken: '0000000000000009' });
      part(started, 'WatchServiceAccountKeys').sink.send({ serviceAccountKeyChanges: [{ current: { serviceAccountKey: { name: 'projects/p/regions/r/serviceAccounts/robot/serviceAccountKeys/k1', publicKeyData: 'PEM' } } }], isCurrent: true, resumeToken: '0000000000000007' });
      await eventually(() => out.responses.length === 2, 2_000, 'the two part series');
      expect(out.responses.every((response) => response['isCurrent'] === undefined)).to.equal(true);
      part(started, 'WatchRoleBindings').sink.send({ roleBindingChanges: [{ current: { roleBinding: { name: 'roleBindings/b', member: 'user:a@x.y' } } }], isCurrent: true, resumeToken: '0000000000000008' });
      part(started, 'WatchGroupMembers').sink.send({ groupMemberChanges: [{ current: { groupMember: { name: 'groups/g/groupMembers/m', member: 'user:a@x.y' } } }], isCurrent: true, resumeToken: '000000000000000c' });
      await eventually(() => out.responses.some((response) => response['isCurrent'] === true), 2_000, 'the commit');
      const commit = out.responses.find((response) => response['isCurrent'] === true) as JsonObject;
      expect(commit['resumeToken']).to.equal('0000000000000007');
      expect(out.responses[1]?.['currentPrincipals']).to.deep.equal([
        { principalKeyId: 'projects/p/regions/r/serviceAccounts/robot/serviceAccountKeys/k1', principalKeyType: 'serviceAccount', jsonKey: 'PEM', serviceAccount: { name: 'projects/p/regions/r/serviceAccounts/robot', email: 'robot@p.serviceaccounts.iam.edgelq.com' } },
      ]);
      part(started, 'WatchServiceAccountKeys').sink.send({ serviceAccountKeyChanges: [{ removed: { name: 'projects/p/regions/r/serviceAccounts/robot/serviceAccountKeys/k1' } }], isCurrent: true, resumeToken: '000000000000000a' });
      await eventually(() => out.responses.some((response) => JSON.stringify(response['removedPrincipals']).includes('k1')), 2_000, 'the removal');
      expect(out.responses.at(-1)).to.include({ isCurrent: true, resumeToken: '0000000000000008' });
      watch.close();
      await watch.done;
      expect(started.every((played) => played.closed)).to.equal(true);
    });
  });

  describe('when one part resets hard', () => {
    it('should send is_reset, close every part and snapshot afresh without the old token', async () => {
      const { engine, started } = scriptedEngine();
      const out = collector();
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore, groups }, { resumeToken: '00000000000000ff' }, out.sink);
      expect(started.every((played) => played.request['resumeToken'] === '00000000000000ff')).to.equal(true);
      part(started, 'WatchServiceAccountKeys').sink.send({ isHardReset: true, snapshotSize: -1 });
      await eventually(() => out.responses.some((response) => response['isReset'] === true), 2_000, 'the reset');
      expect(started).to.have.length(8);
      expect(started.slice(0, 4).every((played) => played.closed)).to.equal(true);
      expect(started.slice(4).every((played) => played.request['resumeToken'] === undefined)).to.equal(true);
      watch.close();
    });
  });

  describe('when a part fails', () => {
    it('should end the watch with that error and close the other parts', async () => {
      const { engine, started } = scriptedEngine();
      const out = collector();
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore, groups }, {}, out.sink);
      part(started, 'WatchUsers').sink.fail(new KeystreamError('UNAVAILABLE', 'feed lost'));
      await watch.done;
      expect(out.failures.map((failure) => failure.code)).to.deep.equal(['UNAVAILABLE']);
      expect(started.every((played) => played.closed)).to.equal(true);
    });
  });

  describe('having committed, with groups the authorization index knows', () => {
    const users: Readonly<Record<string, JsonObject>> = {
      'carol@example.com': { name: 'users/carol', email: 'carol@example.com' },
      'dave@example.com': { name: 'users/dave', email: 'dave@example.com' },
      'erin@example.com': { name: 'users/erin', email: 'erin@example.com' },
    };
    const byEmail = {
      query: (kind: string, options: { filter: { email: { $in: string[] } } }) => {
        const found = kind === 'User' ? options.filter.email.$in.flatMap((email) => (users[email] === undefined ? [] : [users[email]])) : [];
        return Promise.resolve({ documents: found.map((document) => ({ document })) });
      },
    } as unknown as ReadStore;
    // The last state of a deleted membership, as the write model keeps it.
    const leftMember: Record<string, string> = {};
    const history = {
      liveResource: () => Promise.resolve(undefined),
      load: (_kind: string, name: string) => Promise.resolve(leftMember[name] === undefined ? { state: { status: 'absent' } } : { state: { status: 'deleted', revision: 1, resource: { name, member: leftMember[name] } } }),
    } as unknown as ResourceRepository;
    let index: AuthzIndex;
    let started: Played[];
    let out: ReturnType<typeof collector>;
    let watch: ReturnType<typeof startPrincipalUpdatesWatch>;
    let position = 0x10;

    const membership = (group: string, id: string, member: string): void => {
      index.apply({ stream: `GroupMember-projects/acme/groups/${group}/groupMembers/${id}`, type: 'GroupMemberCreated', data: { resource: { name: `projects/acme/groups/${group}/groupMembers/${id}`, member } } });
    };
    /** Sends one committed series on a part; the ids of the principals the watch sends for it. */
    const series = async (method: string, field: string, changes: JsonObject[]): Promise<string[]> => {
      const before = out.responses.length;
      position += 1;
      part(started, method).sink.send({ [field]: changes, isCurrent: true, resumeToken: position.toString(16).padStart(16, '0') });
      await eventually(() => out.responses.length > before, 2_000, `the ${method} series`);
      return ((out.responses.at(-1)?.['currentPrincipals'] as JsonObject[] | undefined) ?? []).map((principal) => principal['principalKeyId'] as string).sort();
    };

    beforeEach(async () => {
      index = new AuthzIndex();
      // ops holds carol and the nested group oncall; oncall holds dave.
      membership('ops', 'carol', 'user:carol@example.com');
      membership('ops', 'oncall', 'group:oncall@acme.groups.iam.edgelq.com');
      membership('oncall', 'dave', 'user:dave@example.com');
      const scripted = scriptedEngine();
      started = scripted.started;
      out = collector();
      watch = startPrincipalUpdatesWatch({ engine: scripted.engine, repository: history, readStore: byEmail, groups: index }, {}, out.sink);
      for (const [method, field] of [['WatchUsers', 'userChanges'], ['WatchServiceAccountKeys', 'serviceAccountKeyChanges'], ['WatchRoleBindings', 'roleBindingChanges'], ['WatchGroupMembers', 'groupMemberChanges']] as const) {
        part(started, method).sink.send({ [field]: [], isCurrent: true, resumeToken: '0000000000000010' });
      }
      await eventually(() => out.responses.some((response) => response['isCurrent'] === true), 2_000, 'the snapshot');
    });

    afterEach(() => {
      watch.close();
    });

    it('should re-send a directly bound user, and every user of a bound group, nested groups included, each once', async () => {
      expect(await series('WatchRoleBindings', 'roleBindingChanges', [{ current: { roleBinding: { name: 'projects/acme/roleBindings/b1', member: 'user:erin@example.com' } } }])).to.deep.equal(['users/erin']);
      expect(await series('WatchRoleBindings', 'roleBindingChanges', [{ current: { roleBinding: { name: 'projects/acme/roleBindings/b2', member: 'group:ops@acme.groups.iam.edgelq.com' } } }])).to.deep.equal(['users/carol', 'users/dave']);
      expect(await series('WatchRoleBindings', 'roleBindingChanges', [{ current: { roleBinding: { name: 'projects/acme/roleBindings/b3', member: 'group:oncall@acme.groups.iam.edgelq.com' } } }])).to.deep.equal(['users/dave']);
      // Two bindings reaching dave in one series: one entry.
      const twice = await series('WatchRoleBindings', 'roleBindingChanges', [
        { current: { roleBinding: { name: 'projects/acme/roleBindings/b2', member: 'group:ops@acme.groups.iam.edgelq.com' } } },
        { current: { roleBinding: { name: 'projects/acme/roleBindings/b4', member: 'user:dave@example.com' } } },
      ]);
      expect(twice).to.deep.equal(['users/carol', 'users/dave']);
    });

    it('should re-send a user who joins a group, everyone in a nested group that joins, and a member who leaves', async () => {
      membership('ops', 'erin', 'user:erin@example.com');
      expect(await series('WatchGroupMembers', 'groupMemberChanges', [{ current: { groupMember: { name: 'projects/acme/groups/ops/groupMembers/erin', member: 'user:erin@example.com' } } }])).to.deep.equal(['users/erin']);
      expect(await series('WatchGroupMembers', 'groupMemberChanges', [{ current: { groupMember: { name: 'projects/acme/groups/ops/groupMembers/oncall', member: 'group:oncall@acme.groups.iam.edgelq.com' } } }])).to.deep.equal(['users/dave']);
      leftMember['projects/acme/groups/ops/groupMembers/carol'] = 'user:carol@example.com';
      index.apply({ stream: 'GroupMember-projects/acme/groups/ops/groupMembers/carol', type: 'GroupMemberDeleted', data: { name: 'projects/acme/groups/ops/groupMembers/carol' } });
      expect(await series('WatchGroupMembers', 'groupMemberChanges', [{ removed: { name: 'projects/acme/groups/ops/groupMembers/carol' } }])).to.deep.equal(['users/carol']);
      // A removed binding of a group: its members' rights shrank.
      leftMember['projects/acme/roleBindings/b9'] = 'group:ops@acme.groups.iam.edgelq.com';
      expect(await series('WatchRoleBindings', 'roleBindingChanges', [{ removed: { name: 'projects/acme/roleBindings/b9' } }])).to.deep.equal(['users/dave', 'users/erin']);
    });
  });
});
