/** A contract harness for the Kafka adapter: a fresh topic per harness on the given brokers. */
import { randomUUID } from 'node:crypto';
import type { CloudEventContentMode } from '../cloudevents/cloudEventMessages.js';
import { loadKafkaEventStream } from '../kafka/loadKafkaEventStream.js';
import type { EventStreamHarness } from './eventStreamHarness.js';
import { readKafkaTopic } from './kafkaTopicReader.js';

/** Connects a Kafka event stream (binary content mode unless asked) to a new topic (3 partitions) and a consumer reading it. */
export async function kafkaHarness(brokers: readonly string[], contentMode: CloudEventContentMode = 'binary'): Promise<EventStreamHarness & { readonly topic: string }> {
  const topic = `keystream-test-${randomUUID()}`;
  const stream = await loadKafkaEventStream({ brokers, topic, contentMode, createTopic: { numPartitions: 3, replicationFactor: 1 } });
  try {
    const reader = await readKafkaTopic(brokers, topic);
    return {
      stream,
      topic,
      received: (atLeast, timeoutMs) => reader.received(atLeast, timeoutMs),
      async dispose() {
        await stream.close();
        await reader.close();
      },
    };
  } catch (error) {
    await stream.close();
    throw error;
  }
}

/** The brokers of the test broker, from `KEYSTREAM_TEST_KAFKA_BROKERS`, or undefined when unset. */
export function testKafkaBrokers(): string[] | undefined {
  const value = process.env['KEYSTREAM_TEST_KAFKA_BROKERS'];
  return value === undefined || value.trim() === '' ? undefined : value.split(',').map((broker) => broker.trim());
}

/** The one line a skipped Kafka suite prints. */
export const KAFKA_SKIP_REASON =
  'skipped: no broker. Set KEYSTREAM_TEST_KAFKA_BROKERS=host:port, e.g. eval "$(infra/kafka/start-broker.sh)" (Java 17 + Maven), to run it against a real Kafka 4 broker';
