/**
 * How WatchPrincipalUpdates merges its three watches, driven response by response through an
 * engine whose watches the spec plays (the end-to-end spec covers the real engine).
 */
import { KeystreamError, type MethodDescriptor } from '@keystream/api';
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
  describe('having three parts that snapshot', () => {
    it('should commit once all three are current, with the oldest token, and map keys, users and removals', async () => {
      const { engine, started } = scriptedEngine();
      const out = collector();
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore }, {}, out.sink);
      expect(started.map((played) => played.method)).to.deep.equal(['WatchUsers', 'WatchServiceAccountKeys', 'WatchRoleBindings']);
      expect(started.every((played) => played.request['type'] === 'STATELESS')).to.equal(true);
      part(started, 'WatchUsers').sink.send({ userChanges: [{ current: { user: { name: 'users/u1', email: 'a@x.y' } } }], isCurrent: true, resumeToken: '0000000000000009' });
      part(started, 'WatchServiceAccountKeys').sink.send({ serviceAccountKeyChanges: [{ current: { serviceAccountKey: { name: 'projects/p/regions/r/serviceAccounts/robot/serviceAccountKeys/k1', publicKeyData: 'PEM' } } }], isCurrent: true, resumeToken: '0000000000000007' });
      await eventually(() => out.responses.length === 2, 2_000, 'the two part series');
      expect(out.responses.every((response) => response['isCurrent'] === undefined)).to.equal(true);
      part(started, 'WatchRoleBindings').sink.send({ roleBindingChanges: [{ current: { roleBinding: { name: 'roleBindings/b', member: 'user:a@x.y' } } }], isCurrent: true, resumeToken: '0000000000000008' });
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
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore }, { resumeToken: '00000000000000ff' }, out.sink);
      expect(started.every((played) => played.request['resumeToken'] === '00000000000000ff')).to.equal(true);
      part(started, 'WatchServiceAccountKeys').sink.send({ isHardReset: true, snapshotSize: -1 });
      await eventually(() => out.responses.some((response) => response['isReset'] === true), 2_000, 'the reset');
      expect(started).to.have.length(6);
      expect(started.slice(0, 3).every((played) => played.closed)).to.equal(true);
      expect(started.slice(3).every((played) => played.request['resumeToken'] === undefined)).to.equal(true);
      watch.close();
    });
  });

  describe('when a part fails', () => {
    it('should end the watch with that error and close the other parts', async () => {
      const { engine, started } = scriptedEngine();
      const out = collector();
      const watch = startPrincipalUpdatesWatch({ engine, repository, readStore }, {}, out.sink);
      part(started, 'WatchUsers').sink.fail(new KeystreamError('UNAVAILABLE', 'feed lost'));
      await watch.done;
      expect(out.failures.map((failure) => failure.code)).to.deep.equal(['UNAVAILABLE']);
      expect(started.every((played) => played.closed)).to.equal(true);
    });
  });
});
