import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import type { SubscriptionMessage } from '@keystream/eventstore';
import { withDeadline } from '@keystream/eventstore/testing';
import { Projector } from './projector.js';
import type { ProjectorOptions } from './projectorOptions.js';
import { RecordingReadStore, ScriptedEventStore, closedStoreError, positionAt, recordedProject, scriptedSubscription } from './testing/fakeStores.js';

const DEADLINE_MS = 5_000;

function events(from: number, to: number): SubscriptionMessage[] {
  const messages: SubscriptionMessage[] = [];
  for (let sequence = from; sequence <= to; sequence += 1) messages.push({ kind: 'event', event: recordedProject(sequence) });
  return messages;
}

describe('Projector', () => {
  const projectors: Projector[] = [];

  afterEach(async () => {
    await Promise.all(projectors.splice(0).map((projector) => projector.stop()));
  });

  function projectorOver(eventStore: ScriptedEventStore, readStore: RecordingReadStore, options: Partial<ProjectorOptions> = {}): Projector {
    const projector = new Projector({ eventStore, readStore, retry: { initialDelayMs: 1, maxDelayMs: 2 }, ...options });
    projectors.push(projector);
    return projector;
  }

  describe('having a subscription with events ready', () => {
    describe('when the batch limit is smaller than what is ready', () => {
      it('should commit full batches, then the rest as soon as the subscription is idle', async () => {
        const readStore = new RecordingReadStore();
        const projector = projectorOver(new ScriptedEventStore(() => scriptedSubscription(events(1, 25))), readStore, { maxBatchEvents: 10, maxBatchDelayMs: 60_000 });
        await projector.start();
        await projector.waitForPosition(positionAt(25), DEADLINE_MS);
        expect(readStore.writeCounts).to.deep.equal([10, 10, 5]);
        expect(readStore.batches.map((batch) => batch.checkpoint)).to.deep.equal([
          { projector: 'read-model', position: positionAt(10) },
          { projector: 'read-model', position: positionAt(20) },
          { projector: 'read-model', position: positionAt(25) },
        ]);
      });
    });

    describe('when events keep coming for longer than maxBatchDelayMs', () => {
      it('should commit the open batch once it is that old', async () => {
        let now = 0;
        const readStore = new RecordingReadStore();
        // Every clock reading advances 10 ms, so a batch is due after a few events.
        const clock = (): number => (now += 10);
        const projector = projectorOver(new ScriptedEventStore(() => scriptedSubscription(events(1, 40))), readStore, { maxBatchEvents: 1_000, maxBatchDelayMs: 35, clock });
        await projector.start();
        await projector.waitForPosition(positionAt(40), DEADLINE_MS);
        const counts = readStore.writeCounts;
        expect(counts.reduce((sum, count) => sum + count, 0)).to.equal(40);
        expect(counts.length).to.be.above(4);
        expect(Math.max(...counts)).to.be.below(10);
      });
    });
  });

  describe('having only a subscription checkpoint (a filtered stretch)', () => {
    it('should store the checkpoint alone, so an idle filtered stream still advances', async () => {
      const readStore = new RecordingReadStore();
      const projector = projectorOver(new ScriptedEventStore(() => scriptedSubscription([{ kind: 'checkpoint', position: positionAt(64) }])), readStore);
      await projector.start();
      await projector.waitForPosition(positionAt(64), DEADLINE_MS);
      expect(readStore.batches).to.deep.equal([{ writes: [], checkpoint: { projector: 'read-model', position: positionAt(64) } }]);
    });

    it('should not store a checkpoint that is not past the stored one', async () => {
      const readStore = new RecordingReadStore();
      readStore.checkpoints.set('read-model', positionAt(100));
      const projector = projectorOver(
        new ScriptedEventStore(() => scriptedSubscription([{ kind: 'checkpoint', position: positionAt(90) }, ...events(101, 101)])),
        readStore,
      );
      await projector.start();
      await projector.waitForPosition(positionAt(101), DEADLINE_MS);
      expect(readStore.batches.map((batch) => batch.checkpoint?.position)).to.deep.equal([positionAt(101)]);
    });
  });

  describe('having a subscription that fails', () => {
    it('should commit what it received and resubscribe from there', async () => {
      const readStore = new RecordingReadStore();
      const eventStore = new ScriptedEventStore((call) => (call === 0 ? scriptedSubscription(events(1, 3), new Error('connection lost')) : scriptedSubscription(events(4, 5))));
      const projector = projectorOver(eventStore, readStore);
      await projector.start();
      await projector.waitForPosition(positionAt(5), DEADLINE_MS);
      expect(eventStore.subscribedFrom).to.deep.equal(['', positionAt(3)]);
      expect(readStore.writeCounts.reduce((sum, count) => sum + count, 0)).to.equal(5);
      expect(await projector.metrics()).to.include({ resubscriptionsTotal: 1, eventsHandledTotal: 5 });
    });

    it('should fail when subscribing fails with a permanent error', async () => {
      const failure = closedStoreError();
      const errors: Error[] = [];
      const eventStore = new ScriptedEventStore(() => {
        throw failure;
      });
      const projector = projectorOver(eventStore, new RecordingReadStore(), { onError: (error) => errors.push(error) });
      await projector.start();
      try {
        await withDeadline(projector.done(), DEADLINE_MS, 'the projector failing');
        expect.fail('done() resolved');
      } catch (error) {
        expect(error).to.equal(failure);
      }
      expect(errors).to.deep.equal([failure]);
      expect(eventStore.subscribedFrom).to.have.length(1);
    });

    it('should fail with UNAVAILABLE when the subscription keeps ending on its own', async () => {
      const eventStore = new ScriptedEventStore(() => scriptedSubscription([], 'end'));
      const projector = projectorOver(eventStore, new RecordingReadStore(), { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 } });
      await projector.start();
      try {
        await withDeadline(projector.done(), DEADLINE_MS, 'the projector failing');
        expect.fail('done() resolved');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      }
      expect(eventStore.subscribedFrom).to.have.length(3);
      expect(projector.status).to.equal('failed');
    });
  });

  describe('start', () => {
    it('should reject, and fail the projector, when the checkpoint cannot be read', async () => {
      const readStore = new RecordingReadStore();
      readStore.checkpointError = new Error('read store down');
      const projector = projectorOver(new ScriptedEventStore(() => scriptedSubscription([])), readStore);
      try {
        await projector.start();
        expect.fail('start() resolved');
      } catch (error) {
        expect((error as Error).message).to.equal('read store down');
      }
      expect(projector.status).to.equal('failed');
    });

    it('should subscribe after the stored checkpoint', async () => {
      const readStore = new RecordingReadStore();
      readStore.checkpoints.set('custom', positionAt(7));
      const eventStore = new ScriptedEventStore(() => scriptedSubscription([]));
      const projector = projectorOver(eventStore, readStore, { name: 'custom' });
      await projector.start();
      expect(eventStore.subscribedFrom).to.deep.equal([positionAt(7)]);
      expect(projector.position).to.equal(positionAt(7));
    });
  });

  describe('stop', () => {
    it('should close the subscription and resolve while the projector waits for events', async () => {
      const subscription = scriptedSubscription(events(1, 2));
      const readStore = new RecordingReadStore();
      const projector = projectorOver(new ScriptedEventStore(() => subscription), readStore);
      await projector.start();
      await projector.waitForPosition(positionAt(2), DEADLINE_MS);
      await withDeadline(projector.stop(), DEADLINE_MS, 'stop()');
      expect(subscription.closed).to.equal(true);
      expect(projector.status).to.equal('stopped');
      await projector.done();
    });
  });
});
