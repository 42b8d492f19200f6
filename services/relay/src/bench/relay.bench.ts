/**
 * Relay catch-up throughput: appends N events (default 20 000) over 200 resources to an embedded
 * event store, then times one relay publishing them all. Destination: the Kafka broker in
 * KEYSTREAM_TEST_KAFKA_BROKERS (a fresh topic of 3 partitions), else an NDJSON file. Nothing else
 * runs in the process while it is timed (the topic's offsets are checked afterwards), and it
 * prints where the time went: publishing (encoding + Kafka round trips) and checkpoint writes.
 * With a broker it then measures the ceiling: kafkajs alone producing the same messages, made
 * beforehand, with the relay's producer settings and request sizes, to a fresh topic.
 *   tsx --conditions=keystream-source services/relay/src/bench/relay.bench.ts [events] [--batch N]
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CheckpointStore } from '@keystream/consumer';
import { cloudEventKafkaMessage, loadKafkaEventStream, openNdjsonFileEventStream, produceRequestSlices, type EventStream } from '@keystream/eventstream';
import { testKafkaBrokers } from '@keystream/eventstream/testing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { cloudEventOf } from '../cloudEventOf.js';
import { EventStreamRelay } from '../eventStreamRelay.js';
import { appendInterleaved, openRelayFixture } from '../testing/relayFixture.js';

const positional = process.argv.slice(2).filter((argument, index, all) => !argument.startsWith('--') && all[index - 1] !== '--batch');
const events = Number(positional[0] ?? 20_000);
const batchFlag = process.argv.indexOf('--batch');
const maxBatchEvents = batchFlag >= 0 ? Number(process.argv[batchFlag + 1]) : undefined;
const resources = 200;
const brokers = testKafkaBrokers();
const topic = `keystream-bench-${randomUUID()}`;
const directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-relay-bench-'));
const stores = await openRelayFixture();
const inner =
  brokers === undefined
    ? await openNdjsonFileEventStream({ path: path.join(directory, 'events.ndjson') })
    : await loadKafkaEventStream({ brokers, topic, createTopic: { numPartitions: 3, replicationFactor: 1 } });

let publishMs = 0;
let checkpointMs = 0;
const timed = async (add: (ms: number) => void, work: () => Promise<void>): Promise<void> => {
  const started = performance.now();
  await work();
  add(performance.now() - started);
};
const stream: EventStream = {
  description: inner.description,
  publish: (batch) => timed((ms) => (publishMs += ms), () => inner.publish(batch)),
  close: () => inner.close(),
};

/** Messages on the topic: the sum of its partitions' high watermarks. */
async function topicMessages(): Promise<number | undefined> {
  if (brokers === undefined) return undefined;
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs alone: the messages the relay published, made beforehand, produced with the relay's
 * settings (idempotent, acks=all, one request in flight) in requests of the same size; events/s.
 */
async function kafkajsCeiling(kafkaBrokers: string[]): Promise<number> {
  const events = await stores.eventStore.readAll('', Number.MAX_SAFE_INTEGER);
  const messages = events.flatMap((event) => {
    const cloudEvent = cloudEventOf(event);
    return cloudEvent === undefined ? [] : [cloudEventKafkaMessage(cloudEvent, 'binary')];
  });
  const kafka = new Kafka({ brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `${topic}-kafkajs-alone`, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const requests = produceRequestSlices(messages);
    const started = performance.now();
    for (const request of requests) await producer.send({ topic: `${topic}-kafkajs-alone`, acks: -1, messages: request });
    return (messages.length * 1000) / (performance.now() - started);
  } finally {
    await producer.disconnect();
  }
}

try {
  const history = await appendInterleaved(stores.eventStore, resources, Math.ceil(events / resources));
  const stored = stores.checkpoints.of('bench-relay');
  const checkpoints: CheckpointStore = { load: () => stored.load(), save: (position) => timed((ms) => (checkpointMs += ms), () => stored.save(position)) };
  const relay = new EventStreamRelay({ eventStore: stores.eventStore, checkpoints, stream, ...(maxBatchEvents === undefined ? {} : { maxBatchEvents }) });
  const started = performance.now();
  await relay.start();
  const deadline = Date.now() + 300_000;
  while ((await relay.metrics()).checkpointPosition !== history.last && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const seconds = (performance.now() - started) / 1000;
  const metrics = await relay.metrics();
  await relay.stop();
  const onTopic = await topicMessages();
  console.log(
    `relay → ${inner.description}: ${metrics.eventsHandledTotal} events in ${seconds.toFixed(2)} s = ${Math.round(metrics.eventsHandledTotal / seconds)} events/s ` +
      `(${metrics.batchesTotal} batches; publishing ${Math.round(publishMs)} ms, checkpoints ${Math.round(checkpointMs)} ms; acks=all, idempotent producer)` +
      (onTopic === undefined ? '' : `; ${onTopic} messages on the topic`),
  );
  if (onTopic !== undefined && onTopic < metrics.eventsHandledTotal) throw new Error(`only ${onTopic} of ${metrics.eventsHandledTotal} events reached the topic`);
  if (brokers !== undefined) console.log(`kafkajs alone, the same ${metrics.eventsHandledTotal} messages made beforehand, the relay's producer settings and request sizes: ${Math.round(await kafkajsCeiling([...brokers]))} events/s`);
} finally {
  await stream.close();
  await stores.close();
  await rm(directory, { recursive: true, force: true });
}
