import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import type { SubscriptionMessage } from '@keystream/eventstore';
import { withDeadline } from '@keystream/eventstore/testing';
import type { Logger, Position } from '@keystream/kernel';
import { CheckpointedConsumer, type CheckpointedConsumerOptions } from './checkpointedConsumer.js';
import { memoryCheckpointStore, type CheckpointStore } from './checkpointStore.js';
import type { ConsumerBatch, ConsumerHandler } from './consumerHandler.js';
import { ScriptedEventStore, positionAt, recordedEvent, scriptedSubscription } from './testing/scriptedEventStore.js';

const DEADLINE_MS = 5_000;

function events(from: number, to: number): SubscriptionMessage[] {
  const messages: SubscriptionMessage[] = [];
  for (let sequence = from; sequence <= to; sequence += 1) messages.push({ kind: 'event', event: recordedEvent(sequence) });
  return messages;
}

/** What happened, in order: `handle <from>..<upTo> (<events>)` and `save <position>`. */
type Journal = string[];

/** A handler that journals each batch and runs `behaviour` (default: succeed) for it. */
function journalingHandler(journal: Journal, behaviour: (batch: ConsumerBatch, call: number) => Promise<void> = () => Promise.resolve()): ConsumerHandler & { readonly batches: ConsumerBatch[] } {
  const batches: ConsumerBatch[] = [];
  return {
    batches,
    async handle(batch) {
      batches.push(batch);
      journal.push(`handle ${batch.from || 'start'}..${batch.upTo} (${batch.events.length})`);
      await behaviour(batch, batches.length);
    },
  };
}

function journalingCheckpoints(journal: Journal, inner: CheckpointStore = memoryCheckpointStore()): CheckpointStore {
  return {
    load: () => inner.load(),
    async save(position) {
      journal.push(`save ${position}`);
      await inner.save(position);
    },
  };
}

/** A promise with its resolver, to hold a handler in the middle of a batch. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Polls (once per turn of the event loop) until `condition` holds, failing after the deadline. */
async function until(condition: () => boolean, what: string): Promise<void> {
  await withDeadline(
    (async () => {
      while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
    })(),
    DEADLINE_MS,
    what,
  );
}

class WarningLog implements Logger {
  readonly warnings: Record<string, unknown>[] = [];
  info(): void {
    return undefined;
  }
  warn(fields: Record<string, unknown>): void {
    this.warnings.push(fields);
  }
  error(): void {
    return undefined;
  }
}

describe('CheckpointedConsumer', () => {
  const consumers: CheckpointedConsumer[] = [];

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
  });

  function consumerOf(options: Omit<CheckpointedConsumerOptions, 'name'> & { name?: string }): CheckpointedConsumer {
    const consumer = new CheckpointedConsumer({ name: 'test consumer', retry: { initialDelayMs: 1, maxDelayMs: 2 }, ...options });
    consumers.push(consumer);
    return consumer;
  }

  describe('having events ready', () => {
    it('should hand them over in batches in log order and store each checkpoint only after its batch was handled', async () => {
      const journal: Journal = [];
      const eventStore = new ScriptedEventStore(() => scriptedSubscription(events(1, 12)));
      const consumer = consumerOf({ eventStore, handler: journalingHandler(journal), checkpoints: journalingCheckpoints(journal), maxBatchEvents: 5, maxBatchDelayMs: 60_000 });
      await consumer.start();
      await consumer.waitForPosition(positionAt(12), DEADLINE_MS);
      expect(journal).to.deep.equal([
        `handle start..${positionAt(5)} (5)`,
        `save ${positionAt(5)}`,
        `handle ${positionAt(5)}..${positionAt(10)} (5)`,
        `save ${positionAt(10)}`,
        `handle ${positionAt(10)}..${positionAt(12)} (2)`,
        `save ${positionAt(12)}`,
      ]);
      expect(consumer.position).to.equal(positionAt(12));
      eventStore.head = positionAt(12);
      expect(await consumer.metrics()).to.include({ eventsHandledTotal: 12, batchesTotal: 3, lag: 0, caughtUp: true, checkpointPosition: positionAt(12) });
    });

    it('should use larger batches while catching up with the head it found at start, and ordinary ones after it', async () => {
      const journal: Journal = [];
      const eventStore = new ScriptedEventStore(() => scriptedSubscription(events(1, 47)));
      eventStore.head = positionAt(30);
      const consumer = consumerOf({ eventStore, handler: journalingHandler(journal), checkpoints: journalingCheckpoints(journal), maxBatchEvents: 5, catchUpBatchEvents: 20, maxBatchDelayMs: 60_000 });
      await consumer.start();
      await consumer.waitForPosition(positionAt(47), DEADLINE_MS);
      // The batch that reaches past the head was opened while catching up; those after it are ordinary.
      expect(journal.filter((line) => line.startsWith('handle'))).to.deep.equal([
        `handle start..${positionAt(20)} (20)`,
        `handle ${positionAt(20)}..${positionAt(40)} (20)`,
        `handle ${positionAt(40)}..${positionAt(45)} (5)`,
        `handle ${positionAt(45)}..${positionAt(47)} (2)`,
      ]);
    });

    it('should catch up in batches of four times the ordinary size unless told otherwise', async () => {
      const journal: Journal = [];
      const eventStore = new ScriptedEventStore(() => scriptedSubscription(events(1, 30)));
      eventStore.head = positionAt(30);
      const consumer = consumerOf({ eventStore, handler: journalingHandler(journal), checkpoints: journalingCheckpoints(journal), maxBatchEvents: 4, maxBatchDelayMs: 60_000 });
      await consumer.start();
      await consumer.waitForPosition(positionAt(30), DEADLINE_MS);
      expect(journal.filter((line) => line.startsWith('handle')).map((line) => /\((\d+)\)$/u.exec(line)?.[1])).to.deep.equal(['16', '14']);
    });

    it('should not store the checkpoint while the batch is still being handled', async () => {
      const journal: Journal = [];
      const held = gate();
      const consumer = consumerOf({ eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 3))), handler: journalingHandler(journal, () => held.opened), checkpoints: journalingCheckpoints(journal) });
      await consumer.start();
      await until(() => journal.length > 0, 'the first batch');
      expect(journal).to.deep.equal([`handle start..${positionAt(3)} (3)`]);
      expect(consumer.position).to.equal('');
      held.open();
      await consumer.waitForPosition(positionAt(3), DEADLINE_MS);
      expect(journal).to.deep.equal([`handle start..${positionAt(3)} (3)`, `save ${positionAt(3)}`]);
    });

    it('should leave the checkpoint to a handler that stores it with its output', async () => {
      const journal: Journal = [];
      const handler = { ...journalingHandler(journal), storesCheckpoint: true };
      const consumer = consumerOf({ eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 4))), handler, checkpoints: journalingCheckpoints(journal) });
      await consumer.start();
      await consumer.waitForPosition(positionAt(4), DEADLINE_MS);
      expect(journal).to.deep.equal([`handle start..${positionAt(4)} (4)`]);
    });
  });

  describe('when the handler fails transiently', () => {
    it('should hand the same batch again after a backoff that doubles, then store its checkpoint', async () => {
      const journal: Journal = [];
      const logger = new WarningLog();
      const handler = journalingHandler(journal, (_batch, call) => (call <= 3 ? Promise.reject(new KeystreamError('UNAVAILABLE', `down ${call}`)) : Promise.resolve()));
      const consumer = consumerOf({
        eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 2))),
        handler,
        checkpoints: journalingCheckpoints(journal),
        retry: { maxAttempts: 10, initialDelayMs: 20, maxDelayMs: 1_000 },
        logger,
      });
      await consumer.start();
      await consumer.waitForPosition(positionAt(2), DEADLINE_MS);
      expect(handler.batches.map((batch) => [batch.from, batch.upTo, batch.events.length])).to.deep.equal(Array.from({ length: 4 }, () => ['', positionAt(2), 2]));
      expect(journal.at(-1)).to.equal(`save ${positionAt(2)}`);
      expect(journal.filter((line) => line.startsWith('save'))).to.have.length(1);
      // Equal jitter: attempt n waits between half and all of 20 ms × 2^(n-1).
      const delays = logger.warnings.map((fields) => fields['delayMs'] as number);
      expect(delays).to.have.length(3);
      delays.forEach((delay, index) => {
        const ceiling = 20 * 2 ** index;
        expect(delay, `delay ${index + 1}`).to.be.within(ceiling / 2, ceiling);
      });
      expect((await consumer.metrics()).handleRetriesTotal).to.equal(3);
    });

    it('should retry a failed checkpoint write without handing the batch again', async () => {
      const journal: Journal = [];
      let saves = 0;
      const inner = memoryCheckpointStore();
      const checkpoints: CheckpointStore = {
        load: () => inner.load(),
        save: (position) => (++saves === 1 ? Promise.reject(new Error('disk busy')) : inner.save(position)),
      };
      const handler = journalingHandler(journal);
      const consumer = consumerOf({ eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 3))), handler, checkpoints });
      await consumer.start();
      await consumer.waitForPosition(positionAt(3), DEADLINE_MS);
      expect(handler.batches).to.have.length(1);
      expect(inner.position).to.equal(positionAt(3));
      expect((await consumer.metrics()).checkpointRetriesTotal).to.equal(1);
    });
  });

  describe('when the handler fails for good', () => {
    it('should fail without storing the checkpoint: done() rejects with the error, onStopped is told', async () => {
      const permanent = new KeystreamError('INVALID_ARGUMENT', 'cannot take this event');
      const told: (Error | undefined)[] = [];
      const checkpoints = memoryCheckpointStore();
      const consumer = consumerOf({
        eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 2))),
        handler: journalingHandler([], () => Promise.reject(permanent)),
        checkpoints,
        onStopped: (error) => told.push(error),
      });
      const waiting = consumer.waitForPosition(positionAt(2), DEADLINE_MS);
      await consumer.start();
      try {
        await withDeadline(consumer.done(), DEADLINE_MS, 'the consumer failing');
        expect.fail('done() resolved although the handler failed permanently');
      } catch (error) {
        expect(error).to.equal(permanent);
      }
      expect(told).to.deep.equal([permanent]);
      expect(consumer.status).to.equal('failed');
      expect(checkpoints.position).to.equal(undefined);
      try {
        await waiting;
        expect.fail('a wait survived the failure');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      }
    });
  });

  describe('when stopped in the middle of a batch', () => {
    it('should finish that batch, hand over what was already received with its checkpoint, and only then resolve', async () => {
      const journal: Journal = [];
      const held = gate();
      const subscription = scriptedSubscription(events(1, 3));
      const handler = journalingHandler(journal, (_batch, call) => (call === 1 ? held.opened : Promise.resolve()));
      const consumer = consumerOf({ eventStore: new ScriptedEventStore(() => subscription), handler, checkpoints: journalingCheckpoints(journal), maxBatchEvents: 2, maxBatchDelayMs: 60_000 });
      await consumer.start();
      await until(() => journal.length > 0, 'the first batch');
      let stopped = false;
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(stopped, 'stop() resolved while a batch was being handled').to.equal(false);
      expect(consumer.status).to.equal('stopping');
      held.open();
      await withDeadline(stopping, DEADLINE_MS, 'stop()');
      expect(consumer.status).to.equal('stopped');
      expect(subscription.closed).to.equal(true);
      // The event read while the first batch was handled is handed over before the end, with its checkpoint.
      expect(journal[0]).to.equal(`handle start..${positionAt(2)} (2)`);
      expect(journal[1]).to.equal(`save ${positionAt(2)}`);
      expect(journal.at(-1)).to.equal(`save ${consumer.position}`);
      await consumer.done();
    });

    it('should give up a batch that keeps failing, leaving the checkpoint before it, and end as stopped', async () => {
      const checkpoints = memoryCheckpointStore();
      const handler = journalingHandler([], () => Promise.reject(new Error('broker unavailable')));
      const consumer = consumerOf({
        eventStore: new ScriptedEventStore(() => scriptedSubscription(events(1, 2))),
        handler,
        checkpoints,
        retry: { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      });
      await consumer.start();
      await until(() => handler.batches.length > 0, 'a first attempt');
      await withDeadline(consumer.stop(), DEADLINE_MS, 'stop() during a retry backoff');
      expect(consumer.status).to.equal('stopped');
      expect(checkpoints.position).to.equal(undefined);
    });
  });

  describe('when started again', () => {
    it('should subscribe after the stored checkpoint and never hand over an event at or before it', async () => {
      const journal: Journal = [];
      const checkpoints = memoryCheckpointStore(positionAt(7));
      // Some adapters repeat the event at the resume position: it must not come back.
      const eventStore = new ScriptedEventStore(() => scriptedSubscription(events(7, 9)));
      const consumer = consumerOf({ eventStore, handler: journalingHandler(journal), checkpoints: journalingCheckpoints(journal, checkpoints) });
      await consumer.start();
      expect(consumer.position).to.equal(positionAt(7));
      await consumer.waitForPosition(positionAt(9), DEADLINE_MS);
      expect(eventStore.subscribedFrom).to.deep.equal([positionAt(7)]);
      expect(journal).to.deep.equal([`handle ${positionAt(7)}..${positionAt(9)} (2)`, `save ${positionAt(9)}`]);
    });

    it('should resubscribe after a dropped subscription from the last checkpoint, with backoff', async () => {
      const journal: Journal = [];
      const eventStore = new ScriptedEventStore((call: number, from: Position) =>
        call === 0 ? scriptedSubscription(events(1, 3), new Error('connection reset')) : scriptedSubscription(events(Number.parseInt(from, 16) + 1, 5)),
      );
      const consumer = consumerOf({ eventStore, handler: journalingHandler(journal), checkpoints: journalingCheckpoints(journal) });
      await consumer.start();
      await consumer.waitForPosition(positionAt(5), DEADLINE_MS);
      expect(eventStore.subscribedFrom).to.deep.equal(['', positionAt(3)]);
      expect(journal.filter((line) => line.startsWith('save')).at(-1)).to.equal(`save ${positionAt(5)}`);
      expect((await consumer.metrics()).resubscriptionsTotal).to.equal(1);
    });
  });

  describe('start', () => {
    it('should run once', async () => {
      const consumer = consumerOf({ eventStore: new ScriptedEventStore(() => scriptedSubscription([])), handler: journalingHandler([]), checkpoints: memoryCheckpointStore() });
      await consumer.start();
      try {
        await consumer.start();
        expect.fail('a second start() resolved');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'FAILED_PRECONDITION' });
      }
    });
  });
});
