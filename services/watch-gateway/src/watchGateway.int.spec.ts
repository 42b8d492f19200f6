import { encodeMessage, KeystreamError, type MessageName, type ResourceKind } from '@keystream/api';
import { eventually } from '@keystream/api/testing';
import { CollectionWatcher, PageCache, RestClient, WatchSocket, type WatchListener } from '@keystream/client';
import type { JsonObject } from '@keystream/readstore';
import { expect } from 'chai';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startGatewayHarness, type GatewayHarness } from './testing/gatewayHarness.js';
import { mulberry32 } from './testing/mulberry32.js';

/**
 * The heap in use after a full collection: what is kept, not what was allocated and not yet
 * collected (which depends on when the collector last ran, i.e. on what ran before).
 */
function retainedHeap(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

type Frame = Record<string, unknown>;

/** Collects one watch's frames. */
function collector(): WatchListener & { responses: Frame[]; errors: Frame[] } {
  const responses: Frame[] = [];
  const errors: Frame[] = [];
  return {
    responses,
    errors,
    onResponse: (response) => responses.push(response),
    onError: (error) => errors.push(error),
  };
}

function wire(kind: string, document: JsonObject): unknown {
  return encodeMessage(kind as MessageName, document as never);
}

async function expectCacheEqualsList(harness: GatewayHarness, watcher: CollectionWatcher, kind: ResourceKind, filter?: string, mask?: readonly string[]): Promise<void> {
  await eventually(
    async () => {
      const listed = await harness.list(kind, filter, mask);
      if (listed.size !== watcher.resources.size) return false;
      for (const [name, document] of listed) if (JSON.stringify(watcher.resources.get(name)) !== JSON.stringify(wire(kind, document))) return false;
      return true;
    },
    5_000,
    `the ${kind} cache to equal List(${filter ?? ''})`,
  );
}

describe('WatchGateway', () => {
  describe('having a gateway over an embedded store', () => {
    let harness: GatewayHarness;
    let socket: WatchSocket | undefined;

    beforeEach(async () => {
      harness = await startGatewayHarness({ retention: { maxEntries: 200 }, engine: { snapshotSizeInterval: 5 } });
    });

    afterEach(async () => {
      await socket?.close();
      socket = undefined;
      await harness.close();
    });

    const group = (id: number, fields: JsonObject = {}): { kind: string; name: string; document: JsonObject } => ({
      kind: 'Group',
      name: `groups/g${id}`,
      document: { displayName: `group ${id}`, description: 'd', ...fields },
    });

    describe('when a stateless watch starts', () => {
      it('should send the snapshot in chunks, is_current and the resume token on the last, then snapshot_size alone', async () => {
        for (let id = 0; id < 25; id += 1) await harness.fixture.write([group(id)]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', maxChunkSize: 10 }, watch);
        await eventually(() => watch.responses.length >= 4, 5_000, 'snapshot');
        const [first, second, third, size] = watch.responses as [Frame, Frame, Frame, Frame];
        expect((first['groupChanges'] as unknown[]).length).to.equal(10);
        expect(first['isCurrent']).to.equal(undefined);
        expect(first['snapshotSize']).to.equal('-1');
        expect((second['groupChanges'] as unknown[]).length).to.equal(10);
        expect((third['groupChanges'] as unknown[]).length).to.equal(5);
        expect(third['isCurrent']).to.equal(true);
        expect(third['resumeToken']).to.equal(harness.fixture.position);
        expect(size).to.deep.equal({ snapshotSize: '25' });
      });

      it('should send Current for changes in the filter, Removed when a document leaves it, and nothing for changes outside', async () => {
        await harness.fixture.write([group(1, { email: 'a@x.io' }), group(2, { email: 'b@x.io' })]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', filter: 'email = "a@x.io"' }, watch);
        await eventually(() => watch.responses.length === 2, 5_000, 'snapshot');
        expect(watch.responses[0]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/g1', displayName: 'group 1', description: 'd', email: 'a@x.io' } } }]);
        await harness.fixture.write([group(2, { email: 'b@x.io', displayName: 'other' })]);
        await harness.fixture.write([group(1, { email: 'gone@x.io' })]);
        await eventually(() => watch.responses.length === 3, 5_000, 'the Removed');
        expect(watch.responses[2]?.['groupChanges']).to.deep.equal([{ removed: { name: 'groups/g1' } }]);
        expect(watch.responses[2]?.['resumeToken']).to.equal(harness.fixture.position);
      });

      it('should hand an idle watch a fresh resume token once the tail has moved on', async () => {
        await harness.close();
        harness = await startGatewayHarness({ engine: { progressIntervalMs: 50 } });
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', filter: 'email = "nobody@x.io"' }, watch);
        await eventually(() => watch.responses.length === 2, 5_000, 'snapshot');
        for (let id = 0; id < 5; id += 1) await harness.fixture.write([group(id)]);
        await eventually(() => watch.responses.some((response) => response['resumeToken'] === harness.fixture.position), 5_000, 'a progress token');
        const progress = watch.responses.find((response) => response['resumeToken'] === harness.fixture.position);
        expect(progress).to.deep.equal({ groupChanges: [], isCurrent: true, resumeToken: harness.fixture.position, snapshotSize: '-1' });
      });

      it('should not send changes that touch no field of its mask', async () => {
        await harness.fixture.write([group(1)]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', fieldMask: 'displayName' }, watch);
        await eventually(() => watch.responses.length === 2, 5_000, 'snapshot');
        await harness.fixture.write([group(1, { description: 'changed, but not shown' })]);
        await harness.fixture.write([group(1, { description: 'changed, but not shown', displayName: 'renamed' })]);
        await eventually(() => watch.responses.length === 3, 5_000, 'the visible change');
        expect(watch.responses[2]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/g1', displayName: 'renamed' } } }]);
      });

      it('should hard-reset and send a fresh snapshot when the resume token has expired', async () => {
        await harness.close();
        // A small ring: the gateway's memory no longer has the entries, so the store's expiry decides.
        harness = await startGatewayHarness({ retention: { maxEntries: 200 }, ringSize: 10 });
        await harness.fixture.write([group(1)]);
        const stale = harness.fixture.position;
        for (let round = 0; round < 210; round += 1) await harness.fixture.write([group(2 + (round % 3), { description: `r${round}` })]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', resumeToken: stale }, watch);
        await eventually(() => watch.responses.length >= 3, 5_000, 'reset and snapshot');
        expect(watch.responses[0]).to.deep.equal({ isHardReset: true, snapshotSize: '-1' });
        expect((watch.responses[1]?.['groupChanges'] as unknown[]).length).to.equal(4);
        expect(watch.responses[1]?.['isCurrent']).to.equal(true);
        expect(watch.responses[2]).to.deep.equal({ snapshotSize: '4' });
      });

      it('should resume after a cut with exactly the changes that followed its token', async () => {
        for (let id = 0; id < 5; id += 1) await harness.fixture.write([group(id)]);
        const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchGroups', singular: 'group', request: { maxChunkSize: 2 } });
        await watcher.start();
        await eventually(() => watcher.cache.isSynced, 5_000, 'sync');
        watcher.cut();
        await harness.fixture.write([group(1, { displayName: 'while away' })]);
        await harness.fixture.write([{ kind: 'Group', name: 'groups/g2', document: null }]);
        await harness.fixture.write([group(9)]);
        await expectCacheEqualsList(harness, watcher, 'Group');
        await watcher.stop();
        expect(watcher.stats.resumes).to.equal(1);
        expect(watcher.stats.hardResets).to.equal(0);
        expect(watcher.stats.consistencyErrors).to.equal(0);
      });
    });

    describe('when a second gateway serves the same store', () => {
      it('should resume there with the token the first one handed out', async () => {
        for (let id = 0; id < 3; id += 1) await harness.fixture.write([group(id)]);
        const other = await startGatewayHarness({ sharedFixture: harness.fixture });
        try {
          socket = await WatchSocket.connect(harness.wsUrl);
          const first = collector();
          socket.watch('WatchGroups', { type: 'STATELESS' }, first);
          await eventually(() => first.responses.length === 2, 5_000, 'snapshot on the first gateway');
          const token = first.responses[0]?.['resumeToken'] as string;
          await socket.close();
          await harness.fixture.write([group(1, { displayName: 'changed' })]);
          socket = await WatchSocket.connect(other.wsUrl);
          const second = collector();
          socket.watch('WatchGroups', { type: 'STATELESS', resumeToken: token }, second);
          await eventually(() => second.responses.length === 2, 5_000, 'the resumed watch');
          expect(second.responses[0]).to.deep.include({ isCurrent: true, resumeToken: token });
          expect(second.responses[1]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/g1', displayName: 'changed', description: 'd' } } }]);
          await socket.close();
        } finally {
          await other.close();
        }
      });
    });

    describe('when the shared feed is lost', () => {
      it('should hard-reset every stateless watch and resend a consistent snapshot', async () => {
        await harness.fixture.write([group(1)]);
        const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchGroups', singular: 'group' });
        await watcher.start();
        await eventually(() => watcher.cache.isSynced, 5_000, 'sync');
        await harness.hub.resetFeed('test');
        await harness.fixture.write([group(2)]);
        await expectCacheEqualsList(harness, watcher, 'Group');
        await watcher.stop();
        expect(watcher.stats.hardResets).to.equal(1);
      });
    });

    describe('when a request is bad', () => {
      it('should answer an error frame naming the field and keep the socket usable', async () => {
        socket = await WatchSocket.connect(harness.wsUrl);
        const bad = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', filter: 'displayName = = "x"' }, bad);
        const badType = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', pageSize: 5 }, badType);
        const unknown = collector();
        socket.watch('WatchNothing', {}, unknown);
        const missing = collector();
        socket.watch('WatchGroup', { name: 'groups/none' }, missing);
        await eventually(() => bad.errors.length + badType.errors.length + unknown.errors.length + missing.errors.length === 4, 5_000, 'error frames');
        expect(bad.errors[0]?.['status']).to.equal('INVALID_ARGUMENT');
        expect(JSON.stringify(bad.errors[0]?.['details'])).to.contain('"field":"filter"');
        expect(JSON.stringify(badType.errors[0]?.['details'])).to.contain('"field":"page_size"');
        expect(JSON.stringify(unknown.errors[0]?.['details'])).to.contain('"field":"method"');
        expect(missing.errors[0]?.['status']).to.equal('NOT_FOUND');
        const good = collector();
        socket.watch('WatchGroups', { type: 'STATELESS' }, good);
        await eventually(() => good.responses.length === 2, 5_000, 'a good watch on the same socket');
      });
    });

    describe('when the watch authorizer refuses a watch', () => {
      it('should answer its refusal before starting anything, over both transports', async () => {
        await harness.close();
        const seen: string[] = [];
        harness = await startGatewayHarness({
          gateway: {
            authorizeWatch: (_principal, method, request) => {
              seen.push(`${method.name} ${String(request['parent'])}`);
              return request['parent'] === 'projects/secret' ? Promise.reject(new KeystreamError('PERMISSION_DENIED', 'no watching projects/secret')) : Promise.resolve();
            },
          },
        });
        socket = await WatchSocket.connect(harness.wsUrl);
        const refused = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', parent: 'projects/secret' }, refused);
        const allowed = collector();
        socket.watch('WatchGroups', { type: 'STATELESS', parent: 'projects/open' }, allowed);
        await eventually(() => refused.errors.length === 1 && allowed.responses.length === 2, 5_000, 'the refusal and the allowed snapshot');
        expect(refused.errors[0]?.['status']).to.equal('PERMISSION_DENIED');
        expect(refused.responses).to.deep.equal([]);
        const response = await fetch(`${harness.httpUrl}/v1/projects/secret/groups:watch`, { method: 'POST', body: '{"type":"STATELESS"}', headers: { 'content-type': 'application/json', connection: 'close' } });
        expect(response.status).to.equal(403);
        expect(((await response.json()) as { error: { status: string } }).error.status).to.equal('PERMISSION_DENIED');
        expect(seen).to.deep.equal(['WatchGroups projects/secret', 'WatchGroups projects/open', 'WatchGroups projects/secret']);
        expect(harness.engine.size, 'watches running: only the allowed one').to.equal(1);
      });
    });

    describe('when one socket carries several watches', () => {
      it('should route frames by id and end only the cancelled watch', async () => {
        await harness.fixture.write([group(1)]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const single = collector();
        const many = collector();
        const singleId = socket.watch('WatchGroup', { name: 'groups/g1', fieldMask: 'display_name' }, single);
        socket.watch('WatchGroups', { type: 'STATELESS' }, many);
        await eventually(() => single.responses.length === 1 && many.responses.length === 2, 5_000, 'both started');
        expect(single.responses[0]).to.deep.equal({ change: { current: { group: { name: 'groups/g1', displayName: 'group 1' } } } });
        await harness.fixture.write([group(1, { displayName: 'renamed' })]);
        await eventually(() => single.responses.length === 2, 5_000, 'the single change');
        await harness.fixture.write([{ kind: 'Group', name: 'groups/g1', document: null }]);
        await eventually(() => single.responses.length === 3, 5_000, 'Removed');
        expect(single.responses[2]).to.deep.equal({ change: { removed: { name: 'groups/g1' } } });
        socket.cancel(singleId);
        await harness.fixture.write([group(1)]);
        await eventually(() => many.responses.length === 5, 5_000, 'the other watch goes on');
        expect(single.responses.length).to.equal(3);
      });
    });

      it('should send each of many watches with the same filter its own frame of one shared change, the socket written in few corked writes', async () => {
        await harness.fixture.write([group(1, { email: 'a@x.io' })]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const watches = Array.from({ length: 60 }, () => collector());
        const ids = watches.map((watch) => (socket as WatchSocket).watch('WatchGroups', { type: 'STATELESS', filter: 'email = "a@x.io"' }, watch));
        expect(new Set(ids).size).to.equal(60);
        await eventually(() => watches.every((watch) => watch.responses.length === 2), 10_000, 'every snapshot');
        const before = { ...harness.gateway.writes };
        const evaluations = harness.engine.fanoutStats.filterEvaluations;
        await harness.fixture.write([group(2, { email: 'a@x.io' }), group(1, { email: 'gone@x.io' })]);
        await eventually(() => watches.every((watch) => watch.responses.length === 3), 10_000, 'the change at every watch');
        for (const watch of watches) {
          expect(watch.responses[2]).to.deep.equal({
            groupChanges: [{ removed: { name: 'groups/g1' } }, { current: { group: { name: 'groups/g2', displayName: 'group 2', description: 'd', email: 'a@x.io' } } }],
            snapshotSize: '-1',
            isCurrent: true,
            resumeToken: harness.fixture.position,
          });
        }
        // Three document versions in the batch (g1 before and after, g2), each evaluated once for all 60 watches.
        expect(harness.engine.fanoutStats.filterEvaluations - evaluations).to.equal(3);
        const frames = harness.gateway.writes.frames - before.frames;
        const flushes = harness.gateway.writes.flushes - before.flushes;
        expect(frames).to.equal(60);
        // One corked write per tick carries every frame the tick made for the socket.
        expect(flushes).to.be.at.most(6);
      });

    describe('when an id already in use is opened again', () => {
      it('should refuse it in a frame that cannot be taken for the end of the running watch, which goes on', async () => {
        await harness.fixture.write([group(1)]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const running = collector();
        socket.watch('WatchGroups', { type: 'STATELESS' }, running, 'dup');
        await eventually(() => running.responses.length === 2, 5_000, 'the snapshot');
        const rejections: { id: string; error: unknown }[] = [];
        socket.onRejected((id, error) => rejections.push({ id, error }));
        socket.sendRaw(JSON.stringify({ id: 'dup', method: 'WatchGroups', request: { type: 'STATELESS' } }));
        await eventually(() => rejections.length === 1, 5_000, 'the refusal');
        expect(rejections[0]?.id).to.equal('dup');
        expect((rejections[0]?.error as Frame)['status']).to.equal('ALREADY_EXISTS');
        expect(running.errors, 'the running watch did not end').to.deep.equal([]);
        await harness.fixture.write([group(2)]);
        await eventually(() => JSON.stringify(running.responses).includes('groups/g2'), 5_000, 'the running watch goes on');
      });
    });

    describe('when a watch carries a minimum position the read model has not reached yet', () => {
      it('should wait for it, so a single watch finds what that write created, over both transports', async () => {
        await harness.close();
        const reached = async (position: string): Promise<void> => {
          await eventually(async () => (await harness.fixture.store.head()) >= position, 5_000, `the read model to reach ${position}`);
        };
        harness = await startGatewayHarness({ gateway: { awaitPosition: reached } });
        const next = (BigInt(`0x${harness.fixture.position}`) + 1n).toString(16).padStart(16, '0');
        socket = await WatchSocket.connect(harness.wsUrl);
        const single = collector();
        socket.watch('WatchGroup', { name: 'groups/g9' }, single, 'late', { minPosition: next });
        const ndjson = fetch(`${harness.httpUrl}/v1/groups/g9:watch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-keystream-min-position': next }, body: '{}' });
        // The write the client made (and got `next` for) reaches the read model only now.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await harness.fixture.write([group(9)]);
        await eventually(() => single.responses.length + single.errors.length > 0, 5_000, 'the first frame');
        expect(single.errors).to.deep.equal([]);
        expect(single.responses[0]).to.deep.include({ change: { current: { group: { name: 'groups/g9', displayName: 'group 9', description: 'd' } } } });
        const response = await ndjson;
        expect(response.status).to.equal(200);
        const reader = response.body?.getReader();
        const first = await reader?.read();
        await reader?.cancel();
        expect(Buffer.from(first?.value ?? new Uint8Array()).toString('utf8')).to.contain('groups/g9');
      });

      it('should refuse a minPosition that is not a position, naming the field', async () => {
        socket = await WatchSocket.connect(harness.wsUrl);
        const bad = collector();
        socket.sendRaw(JSON.stringify({ id: 'bad', method: 'WatchGroups', request: {}, minPosition: 'zz' }), 'bad', bad);
        await eventually(() => bad.errors.length === 1, 5_000, 'the error frame');
        expect(JSON.stringify(bad.errors[0]?.['details'])).to.contain('"field":"minPosition"');
      });
    });

    describe('when a stateful watch follows a page', () => {
      it('should keep the client page equal to the server page after every batch', async function () {
        this.timeout(30_000);
        const random = mulberry32(7);
        for (let id = 0; id < 30; id += 1) await harness.fixture.write([group(id, { displayName: `n${Math.floor(random() * 50)}` })]);
        socket = await WatchSocket.connect(harness.wsUrl);
        const page = new PageCache('group');
        let committed = 0;
        socket.watch('WatchGroups', { orderBy: 'displayName desc', pageSize: 7, filter: 'description != "hidden"', maxChunkSize: 3 }, {
          onResponse: (response) => {
            if (page.apply(response)) committed += 1;
          },
          onError: (error) => {
            throw new Error(JSON.stringify(error));
          },
        });
        await eventually(() => committed === 1, 5_000, 'the first page');
        const client = new RestClient({ baseUrl: harness.httpUrl });
        expect(client).to.be.instanceOf(RestClient);
        let checks = 0;
        for (let batch = 0; batch < 60; batch += 1) {
          const id = Math.floor(random() * 40);
          const roll = random();
          await harness.fixture.write([
            roll < 0.15
              ? { kind: 'Group', name: `groups/g${id}`, document: null }
              : group(id, { displayName: `n${Math.floor(random() * 50)}`, description: roll < 0.3 ? 'hidden' : 'd' }),
          ]);
          const expected = await serverPage(harness, 7);
          await eventually(() => JSON.stringify(page.page.map((item) => item.name)) === JSON.stringify(expected), 5_000, `page after batch ${batch}`);
          checks += 1;
        }
        expect(checks).to.equal(60);
      });
    });

    describe('when a client stops reading', () => {
      it('should pause its watches, bound what it queues and close the socket', async function () {
        this.timeout(30_000);
        await harness.close();
        harness = await startGatewayHarness({ ringSize: 100, engine: { maxQueuedEntries: 50 }, gateway: { softBufferBytes: 64 * 1024, hardBufferBytes: 256 * 1024, stallTimeoutMs: 1_000 } });
        socket = await WatchSocket.connect(harness.wsUrl);
        const watch = collector();
        socket.watch('WatchGroups', { type: 'STATELESS' }, watch);
        await eventually(() => watch.responses.length === 2, 5_000, 'snapshot');
        socket.pause();
        const closed = new Promise<number>((resolve) => {
          socket?.onClose(resolve);
        });
        const big = 'x'.repeat(16 * 1024);
        const heapBefore = retainedHeap();
        // 100 batches of 20 × 16 KiB: far more than the kernel's socket buffers absorb.
        for (let round = 0; round < 100; round += 1) {
          await harness.fixture.write(Array.from({ length: 20 }, (_unused, index) => group(index, { description: `${round}${big}` })));
        }
        await eventually(() => harness.gateway.slowClosures === 1, 10_000, 'the slow socket to be closed');
        socket.resume();
        const code = await closed;
        expect(code).to.equal(1013);
        expect(harness.gateway.slowClosures).to.equal(1);
        // 32 MiB went through the store; what the gateway kept for the slow socket is bounded.
        expect(retainedHeap() - heapBefore).to.be.below(64 * 1024 * 1024);
      });
    });

    describe('when a client with many watches stops reading and comes back only after it was closed', () => {
      it('should never buffer more than the hard limit, and still deliver 1013 once the client reads again', async function () {
        this.timeout(90_000);
        await harness.close();
        const hard = 512 * 1024;
        harness = await startGatewayHarness({ ringSize: 100, engine: { maxQueuedEntries: 50 }, gateway: { softBufferBytes: 64 * 1024, hardBufferBytes: hard, stallTimeoutMs: 1_000, closeGraceMs: 30_000 } });
        socket = await WatchSocket.connect(harness.wsUrl);
        const watches = Array.from({ length: 20 }, () => collector());
        watches.forEach((watch, index) => socket?.watch('WatchGroups', { type: 'STATELESS' }, watch, `many-${index}`));
        await eventually(() => watches.every((watch) => watch.responses.length === 2), 5_000, 'the snapshots');
        socket.pause();
        const closed = new Promise<number>((resolve) => {
          socket?.onClose(resolve);
        });
        const big = 'x'.repeat(16 * 1024);
        for (let round = 0; round < 60 && harness.gateway.slowClosures === 0; round += 1) {
          await harness.fixture.write(Array.from({ length: 20 }, (_unused, index) => group(index, { description: `${round}${big}` })));
        }
        await eventually(() => harness.gateway.slowClosures === 1, 10_000, 'the slow socket to be closed');
        expect(harness.gateway.peakBufferedBytes, 'bytes buffered for one socket').to.be.at.most(hard);
        // Longer than uWS gives a socket it was told to end to drain (then it cuts it: 1006), within the grace.
        await new Promise((resolve) => setTimeout(resolve, 16_000));
        socket.resume();
        expect(await closed).to.equal(1013);
      });
    });

    describe('when a watch is called over REST', () => {
      it('should stream the same responses as NDJSON', async () => {
        await harness.fixture.write([group(1)]);
        const client = new RestClient({ baseUrl: harness.httpUrl });
        const abort = new AbortController();
        const lines: Record<string, unknown>[] = [];
        const reading = (async () => {
          try {
            for await (const line of client.stream('WatchGroups', { type: 'STATELESS' }, abort.signal)) lines.push(line);
          } catch (error) {
            if (!abort.signal.aborted) throw error;
          }
        })();
        await eventually(() => lines.length === 2, 5_000, 'the snapshot lines');
        await harness.fixture.write([group(2)]);
        await eventually(() => lines.length === 3, 5_000, 'a live line');
        expect(lines[2]?.['groupChanges']).to.deep.equal([{ current: { group: { name: 'groups/g2', displayName: 'group 2', description: 'd' } } }]);
        abort.abort();
        await reading;
        await eventually(() => harness.engine.size === 0, 5_000, 'the watch to end with the request');
      });

      it('should apply backpressure to a reader that stops, then hard-reset once it reads again', async function () {
        this.timeout(30_000);
        await harness.close();
        harness = await startGatewayHarness({ ringSize: 100, engine: { maxQueuedEntries: 50 } });
        const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
          const request = http.request(`${harness.httpUrl}/v1/groups:watch`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
          request.on('error', reject);
          request.end(JSON.stringify({ type: 'STATELESS' }));
        });
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        await eventually(() => text.includes('snapshotSize'), 5_000, 'the first lines');
        response.pause();
        const big = 'x'.repeat(16 * 1024);
        // Write until the paused watch gives up its queue (it left the shared tail and will start
        // over); uWS closes an HTTP response that does not drain for 10 s, so this must be quick.
        for (let round = 0; round < 200 && harness.hub.subscriptions > 0; round += 1) {
          await harness.fixture.write(Array.from({ length: 20 }, (_unused, index) => group(index, { description: `${round}${big}` })));
        }
        expect(harness.hub.subscriptions).to.equal(0);
        response.resume();
        await eventually(() => text.includes('"isHardReset":true'), 20_000, 'the hard reset line');
        response.destroy();
        await eventually(() => harness.engine.size === 0, 5_000, 'the watch to end with the request');
      });

      it('should answer a bad request with an HTTP error', async () => {
        const response = await fetch(`${harness.httpUrl}/v1/groups/g1:watch`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', connection: 'close' } });
        expect(response.status).to.equal(404);
        const body = (await response.json()) as { error: { status: string } };
        expect(body.error.status).to.equal('NOT_FOUND');
      });
    });
  });
});

/** The names of the page the watch shows, computed as List would. */
async function serverPage(harness: GatewayHarness, size: number): Promise<string[]> {
  const listed = await harness.list('Group', 'description != "hidden"');
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return [...listed.values()]
    .sort((a, b) => {
      const left = text(a['displayName']);
      const right = text(b['displayName']);
      if (left !== right) return left < right ? 1 : -1;
      return text(a['name']) < text(b['name']) ? -1 : 1;
    })
    .slice(0, size)
    .map((document) => text(document['name']));
}
