import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { START_POSITION, type Position } from '@keystream/eventstore';
import { withDeadline } from '@keystream/eventstore/testing';
import { Projector } from './projector.js';
import type { ProjectorOptions } from './projectorOptions.js';
import { readChangeLog } from './testing/changeLog.js';
import { RecordingLogger } from './testing/recordingLogger.js';
import { appendLifecycle, lifecycleEvent, project, uniqueId } from './testing/resourceEvents.js';
import { openStoreFixture, type StoreFixture } from './testing/storeFixture.js';

const DEADLINE_MS = 10_000;

describe('Projector (embedded LMDB stores)', () => {
  let stores: StoreFixture;
  const running: Projector[] = [];

  beforeEach(async () => {
    stores = await openStoreFixture();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((projector) => projector.stop()));
    await stores.dispose();
  });

  function projector(options: Partial<ProjectorOptions> = {}): Projector {
    const created = new Projector({ eventStore: stores.eventStore, readStore: stores.readStore, ...options });
    running.push(created);
    return created;
  }

  async function startedProjector(options: Partial<ProjectorOptions> = {}): Promise<Projector> {
    const created = projector(options);
    await created.start();
    return created;
  }

  async function caughtUp(target: Projector): Promise<Position> {
    const head = await stores.eventStore.headPosition();
    await target.waitForPosition(head, DEADLINE_MS);
    return head;
  }

  describe('having resource events in the log', () => {
    it('should put a created resource with its timestamps in the stored form, at the event position', async () => {
      const id = uniqueId();
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'first', '2024-01-02T03:04:05Z'));
      const target = await startedProjector();
      await caughtUp(target);
      const stored = await stores.readStore.get('Project', `projects/${id}`);
      expect(stored?.position).to.equal(created.position);
      expect(stored?.document).to.deep.equal({
        name: `projects/${id}`,
        title: 'first',
        metadata: { createTime: '2024-01-02T03:04:05.000000000Z', updateTime: '2024-01-02T03:04:05.500000000Z' },
      });
    });

    it('should replace the document on update, remove it on delete and bring it back on re-create', async () => {
      const id = uniqueId();
      const name = `projects/${id}`;
      const target = await startedProjector();
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'v1'));
      const updated = await appendLifecycle(stores.eventStore, 'Project', 'Updated', project(id, 'v2'));
      await target.waitForPosition(updated.position, DEADLINE_MS);
      expect((await stores.readStore.get('Project', name))?.document['title']).to.equal('v2');

      const deleted = await appendLifecycle(stores.eventStore, 'Project', 'Deleted', project(id, 'v2'));
      await target.waitForPosition(deleted.position, DEADLINE_MS);
      expect(await stores.readStore.get('Project', name)).to.equal(undefined);

      const recreated = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'v3'));
      await target.waitForPosition(recreated.position, DEADLINE_MS);
      expect(await stores.readStore.get('Project', name)).to.deep.include({ position: recreated.position });
      expect((await stores.readStore.get('Project', name))?.document['title']).to.equal('v3');

      const log = (await readChangeLog(stores.readStore)).filter((entry) => entry.name === name);
      expect(log.map((entry) => [entry.before?.['title'] ?? null, entry.after?.['title'] ?? null])).to.deep.equal([
        [null, 'v1'],
        ['v1', 'v2'],
        ['v2', null],
        [null, 'v3'],
      ]);
    });

    it('should apply several changes of one document within one batch in order', async () => {
      const id = uniqueId();
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'a'));
      await appendLifecycle(stores.eventStore, 'Project', 'Updated', project(id, 'b'));
      await appendLifecycle(stores.eventStore, 'Project', 'Updated', project(id, 'c'));
      const batches: number[] = [];
      const target = await startedProjector({ onBatchApplied: (summary) => batches.push(summary.events) });
      await caughtUp(target);
      expect(batches).to.deep.equal([3]);
      expect((await stores.readStore.get('Project', `projects/${id}`))?.document['title']).to.equal('c');
      expect(await readChangeLog(stores.readStore)).to.have.length(3);
    });

    it('should pass events without a read-model effect and still advance the checkpoint', async () => {
      const id = uniqueId();
      await stores.eventStore.append(`audit-${id}`, [lifecycleEvent('Audit', 'Created', { name: id })], 'any');
      const last = await stores.eventStore.append(`Project-projects/${id}`, [{ ...lifecycleEvent('Project', 'Updated', {}), data: { note: 'no resource' } }], 'any');
      const target = await startedProjector();
      await target.waitForPosition(last.position, DEADLINE_MS);
      expect(await stores.readStore.checkpoint(target.name)).to.equal(last.position);
      expect(await readChangeLog(stores.readStore)).to.deep.equal([]);
      const metrics = await target.metrics();
      expect(metrics).to.include({ eventsHandledTotal: 2, eventsWithoutEffectTotal: 2, documentsChangedTotal: 0 });
    });

    it('should skip events of unknown kinds and mismatched names with one warning per kind, and go on', async () => {
      const logger = new RecordingLogger();
      const id = uniqueId();
      await appendLifecycle(stores.eventStore, 'Widget', 'Created', { name: `widgets/${id}` });
      await appendLifecycle(stores.eventStore, 'Widget', 'Updated', { name: `widgets/${id}` });
      await stores.eventStore.append(`Project-projects/${id}`, [lifecycleEvent('Project', 'Created', project('someoneelse', 'x'))], 'any');
      await stores.eventStore.append(`Project-projects/${id}-t`, [lifecycleEvent('Project', 'Created', project(`${id}-t`, 'bad', 'yesterday'))], 'any');
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'good'));
      const target = await startedProjector({ logger });
      await caughtUp(target);
      expect((await stores.readStore.get('Project', `projects/${id}`))?.document['title']).to.equal('good');
      const metrics = await target.metrics();
      expect(metrics).to.include({ eventsHandledTotal: 5, eventsRejectedTotal: 4, documentsChangedTotal: 1 });
      expect(logger.at('warn').map((line) => line.fields['reason'])).to.deep.equal(['unknown_kind', 'name_mismatch', 'invalid_document']);
    });
  });

  describe('having been stopped', () => {
    describe('when started again after more events', () => {
      it('should apply exactly the new events, with no duplicate change-log entries', async () => {
        const ids = Array.from({ length: 20 }, () => uniqueId());
        for (const id of ids.slice(0, 10)) await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'before'));
        const first = await startedProjector({ maxBatchEvents: 4 });
        const firstHead = await caughtUp(first);
        await first.stop();
        expect(first.status).to.equal('stopped');
        expect(await stores.readStore.checkpoint(first.name)).to.equal(firstHead);

        for (const id of ids.slice(10)) await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'after'));
        await appendLifecycle(stores.eventStore, 'Project', 'Updated', project(ids[0] ?? '', 'updated'));
        await stores.reopen();
        const second = await startedProjector({ maxBatchEvents: 4 });
        const secondHead = await caughtUp(second);
        expect(await second.metrics()).to.include({ eventsHandledTotal: 11, documentsChangedTotal: 11, writesSkippedTotal: 0 });
        expect(await stores.readStore.checkpoint(second.name)).to.equal(secondHead);

        const log = await readChangeLog(stores.readStore);
        const positions = log.map((entry) => entry.position);
        expect(new Set(positions).size).to.equal(positions.length);
        expect(log).to.have.length(21);
        expect(await stores.readStore.count('Project')).to.equal(20);
      });
    });

    it('should refuse to start the same instance twice', async () => {
      const target = await startedProjector();
      await target.stop();
      try {
        await target.start();
        expect.fail('start() of a stopped projector resolved');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'FAILED_PRECONDITION' });
      }
    });

    it('should let stop() be called before start() and more than once', async () => {
      const target = projector();
      await target.stop();
      await target.stop();
      expect(target.status).to.equal('stopped');
      await target.done();
    });

    it('should keep separate checkpoints per projector name', async () => {
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const one = await startedProjector({ name: 'one' });
      await one.waitForPosition(created.position, DEADLINE_MS);
      expect(await stores.readStore.checkpoint('one')).to.equal(created.position);
      expect(await stores.readStore.checkpoint('two')).to.equal(undefined);
    });
  });

  describe('waitForPosition', () => {
    it('should resolve once the position is applied, with the document readable right after', async () => {
      const target = await startedProjector({ maxBatchDelayMs: 60_000 });
      const id = uniqueId();
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 'ryw'));
      const started = performance.now();
      await target.waitForPosition(created.position, DEADLINE_MS);
      const waitedMs = performance.now() - started;
      expect(await stores.readStore.get('Project', `projects/${id}`)).to.not.equal(undefined);
      // A live event is committed as soon as the subscription is idle, not after maxBatchDelayMs.
      expect(waitedMs).to.be.below(5_000);
    });

    it('should resolve at once for the start position and for positions already applied', async () => {
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = await startedProjector();
      await target.waitForPosition(START_POSITION, 0);
      await target.waitForPosition(created.position, DEADLINE_MS);
      await target.waitForPosition(created.position, 0);
    });

    it('should resolve a wait made before start() once the projector gets there', async () => {
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = projector();
      const waiting = target.waitForPosition(created.position, DEADLINE_MS);
      await target.start();
      await waiting;
    });

    it('should reject with UNAVAILABLE after the timeout when the position is not reached', async () => {
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = await startedProjector();
      await caughtUp(target);
      const beyond = '00000000000f4240';
      try {
        await target.waitForPosition(beyond, 30);
        expect.fail('waitForPosition resolved for a position never written');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
        expect((error as KeystreamError).headers).to.deep.equal({ 'retry-after': '1' });
        expect((error as KeystreamError).message).to.contain(beyond);
      }
      expect((await target.metrics()).positionWaiters).to.equal(0);
    });

    it('should reject pending waits with UNAVAILABLE when the projector stops', async () => {
      const target = await startedProjector();
      const waiting = target.waitForPosition('00000000000f4240', DEADLINE_MS);
      await target.stop();
      try {
        await waiting;
        expect.fail('a pending wait survived stop()');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      }
    });
  });

  describe('metrics', () => {
    it('should report the lag before catching up, none after, and a throughput', async () => {
      const count = 300;
      for (let index = 0; index < count; index += 1) await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), `n${index}`));
      // Every event is older than the start: all of them come in catch-up batches.
      const target = projector({ maxBatchEvents: 50, catchUpBatchEvents: 100 });
      const before = await target.metrics();
      expect(before).to.include({ lag: count, caughtUp: false, eventsHandledTotal: 0, throughputEventsPerSecond: 0, state: 'new' });

      await target.start();
      await caughtUp(target);
      const after = await target.metrics();
      expect(after).to.include({ lag: 0, caughtUp: true, eventsHandledTotal: count, documentsChangedTotal: count, state: 'running' });
      expect(after.batchesTotal).to.be.within(count / 100, count / 100 + 1);
      expect(after.throughputEventsPerSecond).to.be.above(0);
      expect(after.lastBatchDurationMs).to.be.at.least(0);
      expect(after.lastEventAgeMs).to.be.a('number');
      expect(after.checkpointPosition).to.equal(after.headPosition);

      for (let index = 0; index < 10; index += 1) await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), `m${index}`));
      await target.stop();
      const stopped = await target.metrics();
      expect(stopped.state).to.equal('stopped');
      expect(stopped.eventsHandledTotal + (stopped.lag ?? Number.NaN)).to.equal(count + 10);
    });
  });

  describe('having a read store whose apply fails', () => {
    const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

    function failingApplies(failures: readonly Error[]): void {
      const real = stores.readStore.apply.bind(stores.readStore);
      const queue = [...failures];
      stores.readStore.apply = (batch) => {
        const failure = queue.shift();
        if (failure !== undefined) return Promise.reject(failure);
        return real(batch);
      };
    }

    it('should retry transient failures and then apply the batch', async () => {
      failingApplies([new Error('connection reset'), new KeystreamError('UNAVAILABLE', 'primary stepped down')]);
      const logger = new RecordingLogger();
      const id = uniqueId();
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(id, 't'));
      const target = await startedProjector({ retry: fastRetry, logger });
      await target.waitForPosition(created.position, DEADLINE_MS);
      expect(await stores.readStore.get('Project', `projects/${id}`)).to.not.equal(undefined);
      expect((await target.metrics()).handleRetriesTotal).to.equal(2);
      expect(logger.at('warn')).to.have.length(2);
    });

    it('should fail for good on a permanent error: done() rejects, onError is told, waits are released', async () => {
      const permanent = new KeystreamError('INVALID_ARGUMENT', 'bad batch');
      failingApplies([permanent]);
      const errors: Error[] = [];
      const created = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = projector({ retry: fastRetry, onError: (error) => errors.push(error) });
      const waiting = target.waitForPosition(created.position, DEADLINE_MS);
      await target.start();
      try {
        await withDeadline(target.done(), DEADLINE_MS, 'the projector failing');
        expect.fail('done() resolved although apply failed permanently');
      } catch (error) {
        expect(error).to.equal(permanent);
      }
      expect(errors).to.deep.equal([permanent]);
      expect(target.status).to.equal('failed');
      try {
        await waiting;
        expect.fail('a wait survived the failure');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      }
      expect(await stores.readStore.checkpoint(target.name)).to.equal(undefined);
      await target.stop();
    });

    it('should fail once transient failures outlast the retry policy', async () => {
      failingApplies(Array.from({ length: 3 }, (_, index) => new Error(`flaky ${index}`)));
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = await startedProjector({ retry: { ...fastRetry, maxAttempts: 3 } });
      try {
        await withDeadline(target.done(), DEADLINE_MS, 'the projector failing');
        expect.fail('done() resolved although every attempt failed');
      } catch (error) {
        expect((error as Error).message).to.equal('flaky 2');
      }
      expect((await target.metrics()).handleRetriesTotal).to.equal(2);
    });

    it('should stop promptly while waiting to retry', async () => {
      failingApplies(Array.from({ length: 100 }, () => new Error('down')));
      await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 't'));
      const target = await startedProjector({ retry: { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 60_000, maxDelayMs: 60_000 } });
      await withDeadline(
        (async () => {
          while ((await target.metrics()).handleRetriesTotal === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        })(),
        DEADLINE_MS,
        'a first retry',
      );
      await withDeadline(target.stop(), DEADLINE_MS, 'stop() during a retry backoff');
      expect(['stopped', 'failed']).to.include(target.status);
      expect(await stores.readStore.checkpoint(target.name)).to.equal(undefined);
    });
  });
});
