/**
 * What the contract suite needs from an adapter under test: the stream, and a way to see what a
 * consumer on the other side received.
 */
import type { KeystreamCloudEvent } from '../cloudevents/keystreamCloudEvent.js';
import type { EventStream } from '../eventStream.js';

/** One message as a consumer saw it. */
export interface ReceivedMessage {
  /** The message key (NDJSON: the event's `partitionkey`, which is what a key-based consumer would use). */
  readonly key: string;
  /** Message headers as strings (NDJSON has none). */
  readonly headers: Readonly<Record<string, string>>;
  /** The CloudEvent as a consumer decodes it (Kafka: with the CloudEvents SDK's Kafka binding), JSON format. */
  readonly event: KeystreamCloudEvent;
}

/** An adapter instance with its own, empty destination (a fresh topic or file). */
export interface EventStreamHarness {
  readonly stream: EventStream;
  /**
   * Everything received so far, once at least `atLeast` messages have arrived; then it waits a
   * little longer so duplicates would show. Rejects with the count seen after `timeoutMs`.
   */
  readonly received: (atLeast: number, timeoutMs?: number) => Promise<ReceivedMessage[]>;
  /** Closes the stream (if still open) and whatever the harness reads with. */
  dispose(): Promise<void>;
}

/** Makes a fresh harness per test. */
export type EventStreamHarnessFactory = () => Promise<EventStreamHarness>;

/** Polls `read` until it returns at least `atLeast` items or the deadline passes, then settles. */
export async function pollReceived<T>(read: () => Promise<T[]> | T[], atLeast: number, timeoutMs: number, settleMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let seen = await read();
  while (seen.length < atLeast) {
    if (Date.now() > deadline) throw new Error(`expected at least ${atLeast} messages within ${timeoutMs} ms, received ${seen.length}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 25).unref());
    seen = await read();
  }
  // Give a duplicate or a stray message the chance to arrive before the caller counts.
  await new Promise<void>((resolve) => setTimeout(resolve, settleMs).unref());
  return read();
}
