/**
 * The relay against real adapters: embedded LMDB stores, and as destination the NDJSON file (always)
 * and a real Kafka broker (when KEYSTREAM_TEST_KAFKA_BROKERS is set).
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { apiKeyHashRegisteredData, apiKeyHashStreamOf, API_KEY_HASH_REGISTERED } from '@keystream/domain';
import type { EventStream, KeystreamCloudEvent } from '@keystream/eventstream';
import { KAFKA_SKIP_REASON, eventSchemaValidator, kafkaHarness, ndjsonHarness, testKafkaBrokers, type EventStreamHarness, type ReceivedMessage } from '@keystream/eventstream/testing';
import type { CheckpointStore } from '@keystream/consumer';
import { EventStreamRelay } from './eventStreamRelay.js';
import { appendInterleaved, dedupeById, openRelayFixture, type AppendedHistory, type RelayFixture } from './testing/relayFixture.js';

const FAST_BACKOFF = { initialDelayMs: 5, maxDelayMs: 50 };
const RELAY = 'test-relay';

/** Per resource name, the event ids in arrival order. */
function idsByName(messages: readonly ReceivedMessage[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { key, event } of messages) out.set(key, [...(out.get(key) ?? []), event.id]);
  return out;
}

/** A stream whose publish fails while `failing` says so, passing through otherwise. */
function flakyStream(inner: EventStream, failing: () => boolean): EventStream & { attempts: number } {
  const stream = {
    description: `flaky ${inner.description}`,
    attempts: 0,
    publish(events: readonly KeystreamCloudEvent[]): Promise<void> {
      stream.attempts += 1;
      return failing() ? Promise.reject(new Error('broker unavailable (injected)')) : inner.publish(events);
    },
    close: () => inner.close(),
  };
  return stream;
}

function describeRelay(destination: string, openHarness: () => Promise<EventStreamHarness>): void {
  describe(`EventStreamRelay → ${destination}`, function () {
    this.timeout(90_000);
    let stores: RelayFixture;
    let harness: EventStreamHarness;
    const relays: EventStreamRelay[] = [];
    const relay = (options: { stream?: EventStream; checkpoints?: CheckpointStore; maxBatchEvents?: number } = {}): EventStreamRelay => {
      const created = new EventStreamRelay({
        eventStore: stores.eventStore,
        checkpoints: options.checkpoints ?? stores.checkpoints.of(RELAY),
        name: RELAY,
        stream: options.stream ?? harness.stream,
        retry: FAST_BACKOFF,
        ...(options.maxBatchEvents === undefined ? {} : { maxBatchEvents: options.maxBatchEvents }),
      });
      relays.push(created);
      return created;
    };
    const expectExactlyInOrder = (messages: readonly ReceivedMessage[], history: AppendedHistory): void => {
      expect(messages.map((message) => message.event.id).sort()).to.deep.equal([...history.ids].sort());
      expect(idsByName(messages)).to.deep.equal(history.byName);
    };

    beforeEach(async () => {
      stores = await openRelayFixture();
      harness = await openHarness();
    });
    afterEach(async () => {
      for (const running of relays.splice(0)) await running.stop();
      await harness.dispose();
      await stores.close();
    });

    describe('having a log with history', () => {
      it('should publish every event exactly once, in order per resource, then store the checkpoint', async () => {
        const history = await appendInterleaved(stores.eventStore, 7, 15);
        const running = relay({ maxBatchEvents: 16 });
        await running.start();
        const messages = await harness.received(history.ids.length);
        expectExactlyInOrder(messages, history);
        const first = messages[0]?.event;
        expect(first).to.include({ type: 'com.edgelq.iam.v1.project.created', keystreamrevision: 0, specversion: '1.0' });
        expect(first?.source).to.equal(`//iam.edgelq.com/${first?.subject ?? ''}`);
        expect(first?.data).to.include({ name: first?.subject });
        // The API's wire JSON: int64 as a decimal string.
        expect(first?.data).to.have.nested.property('metadata.generation', '1');
        const validate = eventSchemaValidator();
        for (const { event } of messages) expect(validate(event).errors, event.id).to.deep.equal([]);
        await running.stop();
        expect(await stores.checkpoints.of(RELAY).load()).to.equal(history.last);
        const metrics = await running.metrics();
        expect(metrics).to.include({ eventsHandledTotal: history.ids.length, caughtUp: true, lag: 0, state: 'stopped' });
      });

      it('should not publish the log\'s internal events (API-key hash index), and move its checkpoint past them', async () => {
        const before = await appendInterleaved(stores.eventStore, 2, 2);
        const hashStream = apiKeyHashStreamOf(randomBytes(32).toString('hex'));
        const metadata = { actor: 'system', requestId: 'r', correlationId: 'c', causationId: 'c', occurredAt: new Date().toISOString(), schema: 1 };
        const internal = await stores.eventStore.append(hashStream, [{ id: randomUUID(), type: API_KEY_HASH_REGISTERED, data: apiKeyHashRegisteredData('projects/p/regions/r/serviceAccounts/s/serviceAccountKeys/k'), metadata }], 'no_stream');
        const history = await appendInterleaved(stores.eventStore, 1, 2, before);
        const running = relay();
        await running.start();
        const messages = await harness.received(history.ids.length);
        expectExactlyInOrder(messages, history);
        expect(messages.map((message) => message.key)).to.not.include(hashStream);
        await running.stop();
        expect((await stores.checkpoints.of(RELAY).load() ?? '') > internal.position, 'checkpoint after the internal event').to.equal(true);
      });

      it('should go on publishing events appended after it caught up', async () => {
        const running = relay();
        await running.start();
        const before = await appendInterleaved(stores.eventStore, 2, 3);
        await harness.received(before.ids.length);
        const history = await appendInterleaved(stores.eventStore, 3, 4, before);
        expectExactlyInOrder(await harness.received(history.ids.length), history);
      });
    });

    describe('when restarted', () => {
      it('should resume after its checkpoint without republishing what was stored', async () => {
        const first = await appendInterleaved(stores.eventStore, 4, 5);
        const one = relay();
        await one.start();
        await harness.received(first.ids.length);
        await one.stop();
        const history = await appendInterleaved(stores.eventStore, 4, 5, first);
        const two = relay();
        await two.start();
        expectExactlyInOrder(await harness.received(history.ids.length), history);
      });

      it('should republish, not skip, events acknowledged but not checkpointed (killed in between): at-least-once, no gaps', async () => {
        const history = await appendInterleaved(stores.eventStore, 5, 6);
        // The first relay's checkpoint writes never land: as if it died right after each acknowledgement.
        const lost: CheckpointStore = {
          load: () => stores.checkpoints.of(RELAY).load(),
          save: () => Promise.reject(new Error('killed before the checkpoint (injected)')),
        };
        const one = relay({ checkpoints: lost, maxBatchEvents: 8 });
        await one.start();
        // It publishes its first batch, then keeps retrying that batch's checkpoint: kill it there.
        await harness.received(8);
        await one.stop();
        expect(await stores.checkpoints.of(RELAY).load()).to.equal(undefined);
        const more = await appendInterleaved(stores.eventStore, 2, 3, history);
        const two = relay();
        await two.start();
        const messages = await harness.received(8 + more.ids.length);
        // Every event arrived at least once; the re-sent ones carry the same id, so a consumer
        // that keeps the first occurrence of each id sees each resource's history once, in order.
        expect(messages).to.have.length(8 + more.ids.length);
        expectExactlyInOrder(dedupeById(messages), more);
        // The 8 re-sent events are the same CloudEvents again: same ce_id, same attributes and data.
        const first = new Map<string, KeystreamCloudEvent>();
        let repeats = 0;
        for (const { event } of messages) {
          const earlier = first.get(event.id);
          if (earlier === undefined) first.set(event.id, event);
          else {
            repeats += 1;
            expect(event).to.deep.equal(earlier);
          }
        }
        expect(repeats).to.equal(8);
      });
    });

    describe('having a destination that fails for a while', () => {
      it('should retry with backoff and lose nothing', async () => {
        const history = await appendInterleaved(stores.eventStore, 3, 4);
        let failures = 3;
        const flaky = flakyStream(harness.stream, () => failures-- > 0);
        const running = relay({ stream: flaky });
        await running.start();
        expectExactlyInOrder(await harness.received(history.ids.length), history);
        expect((await running.metrics()).handleRetriesTotal).to.equal(3);
      });

      it('should stop gracefully while retrying, leaving the checkpoint before the unacknowledged batch', async () => {
        await appendInterleaved(stores.eventStore, 2, 2);
        const down = flakyStream(harness.stream, () => true);
        const running = relay({ stream: down });
        await running.start();
        const deadline = Date.now() + 10_000;
        while (down.attempts < 2 && Date.now() < deadline) await new Promise<void>((resolve) => setTimeout(resolve, 5).unref());
        await running.stop();
        expect(running.status).to.equal('stopped');
        expect(await stores.checkpoints.of(RELAY).load()).to.equal(undefined);
      });
    });
  });
}

describeRelay('NDJSON file', ndjsonHarness);

const brokers = testKafkaBrokers();
if (brokers === undefined) {
  it.skip(`EventStreamRelay → Kafka ${KAFKA_SKIP_REASON}`);
} else {
  describeRelay(`Kafka (${brokers.join(',')})`, () => kafkaHarness(brokers));
}
