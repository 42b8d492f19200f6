/**
 * The Kafka adapter, loaded when a process is configured to publish to Kafka: kafkajs takes a
 * few hundredths of a second to load, which every process that does not publish would otherwise
 * pay at each start.
 */
import type { EventStream } from '../eventStream.js';
import type { KafkaEventStreamOptions } from './kafkaEventStream.js';

/** Loads the adapter and connects its producer. */
export async function loadKafkaEventStream(options: KafkaEventStreamOptions): Promise<EventStream> {
  const adapter = await import('./kafkaEventStream.js');
  return adapter.connectKafkaEventStream(options);
}
