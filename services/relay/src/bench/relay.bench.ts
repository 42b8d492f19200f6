/**
 * Relay catch-up throughput: appends N events (default 20 000) over 200 resources to an embedded
 * event store, then times one relay publishing them all. Destination: the Kafka broker in
 * KEYSTREAM_TEST_KAFKA_BROKERS (a fresh topic), else an NDJSON file.
 *   tsx --conditions=keystream-source services/relay/src/bench/relay.bench.ts [events]
 */
import { kafkaHarness, ndjsonHarness, testKafkaBrokers } from '@keystream/eventstream/testing';
import { EventStreamRelay } from '../eventStreamRelay.js';
import { appendInterleaved, openRelayFixture } from '../testing/relayFixture.js';

const events = Number(process.argv[2] ?? 20_000);
const resources = 200;
const brokers = testKafkaBrokers();
const stores = await openRelayFixture();
const harness = brokers === undefined ? await ndjsonHarness() : await kafkaHarness(brokers);
try {
  const history = await appendInterleaved(stores.eventStore, resources, Math.ceil(events / resources));
  const relay = new EventStreamRelay({ eventStore: stores.eventStore, checkpoints: stores.checkpoints.of('bench-relay'), stream: harness.stream });
  const started = performance.now();
  await relay.start();
  const deadline = Date.now() + 120_000;
  while ((await relay.metrics()).handledPosition !== history.last && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - started) / 1000;
  const metrics = await relay.metrics();
  await relay.stop();
  console.log(
    `relay → ${harness.stream.description}: ${metrics.eventsHandledTotal} events in ${seconds.toFixed(2)} s = ${Math.round(metrics.eventsHandledTotal / seconds)} events/s (${metrics.batchesTotal} batches, acks=all, checkpoint per batch)`,
  );
} finally {
  await harness.dispose();
  await stores.close();
}
