/**
 * Reads a Kafka topic from the beginning with a kafkajs consumer of a fresh group, collecting
 * every message decoded as a CloudEvent (the SDK's Kafka binding, either content mode), for tests
 * that check what reached the broker.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { cloudEventOfKafkaMessage } from '../cloudevents/cloudEventMessages.js';
import type { ReceivedMessage } from './eventStreamHarness.js';
import { pollReceived } from './eventStreamHarness.js';

/** A running consumer; {@link KafkaTopicReader.close} disconnects it. */
export interface KafkaTopicReader {
  /** Received so far (a copy), once at least `atLeast` arrived; then waits `settleMs` (default 500) for duplicates. */
  received(atLeast: number, timeoutMs?: number, settleMs?: number): Promise<ReceivedMessage[]>;
  /** Partition of each received message, by event id (last seen). */
  readonly partitions: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** Starts a consumer of `topic` from its first offset. */
export async function readKafkaTopic(brokers: readonly string[], topic: string): Promise<KafkaTopicReader> {
  const kafka = new Kafka({ clientId: 'keystream-test-reader', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: `keystream-test-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const messages: ReceivedMessage[] = [];
  const partitions = new Map<string, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message, partition }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
        }
        const key = message.key?.toString('utf8') ?? '';
        const event = cloudEventOfKafkaMessage({ key, headers, value: message.value });
        messages.push({ key, headers, event });
        partitions.set(event.id, partition);
        return Promise.resolve();
      },
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return {
    received: (atLeast, timeoutMs = 30_000, settleMs = 500) => pollReceived(() => [...messages], atLeast, timeoutMs, settleMs),
    partitions,
    close: () => consumer.disconnect(),
  };
}
