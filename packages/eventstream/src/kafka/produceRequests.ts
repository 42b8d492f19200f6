/**
 * How the Kafka adapter cuts what it publishes into produce requests, and its default topic: apart
 * from the adapter so that they can be used without loading kafkajs (the relay bench sends
 * requests of the same size for its ceiling).
 */
import type { Message } from 'kafkajs';

/** The topic used when none is configured. */
export const DEFAULT_KAFKA_TOPIC = 'keystream.events';

/**
 * Most bytes one produce request carries, counted generously (key, value, header names and values,
 * plus a per-record and per-header allowance for the record framing). Kafka caps a partition's
 * record batch in one request (`message.max.bytes`, 1 MiB by default); staying under that for the
 * whole request keeps every slice acceptable however the keys spread over partitions. Big slices
 * matter: with the idempotent producer the requests go one at a time, so each is a round trip.
 */
const MAX_BYTES_PER_SEND = 896 * 1024;
const RECORD_OVERHEAD_BYTES = 32;
const HEADER_OVERHEAD_BYTES = 4;

/** What a message weighs in a produce request, at most (strings counted in UTF-8 bytes). */
function sizeOf(message: Message): number {
  let size = Buffer.byteLength(message.value as string) + Buffer.byteLength(message.key as string) + RECORD_OVERHEAD_BYTES;
  for (const name in message.headers) size += name.length + Buffer.byteLength(String(message.headers[name])) + HEADER_OVERHEAD_BYTES;
  return size;
}

/**
 * Splits messages into produce requests under the byte limit, keeping order (exported for the
 * relay bench, whose kafkajs-alone ceiling sends requests of the same size).
 */
export function produceRequestSlices(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.length > 0 && bytes + size > MAX_BYTES_PER_SEND) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
