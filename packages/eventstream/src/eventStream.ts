/**
 * The EventStream port (ARCHITECTURE.md §2): where the relay hands domain events for outside
 * consumers. Adapters: Kafka (kafkajs) for production, an append-only NDJSON file as the embedded
 * option. Both carry the same CloudEvents (docs/eventstream.md). The contract suite is
 * `@keystream/eventstream/testing`.
 */
import type { KeystreamCloudEvent } from './cloudevents/keystreamCloudEvent.js';

/** An outbound stream of domain events. */
export interface EventStream {
  /** Where the events go, for logs (`kafka 127.0.0.1:9092 topic keystream.events`, `ndjson /path`). */
  readonly description: string;
  /**
   * Publishes the events in order. Resolves only once every one of them is durably accepted (Kafka:
   * acknowledged by all in-sync replicas; file: written and synced). Rejects if any may not be:
   * then some may have been published, and the caller publishes the batch again (at-least-once;
   * consumers deduplicate by the CloudEvents `id`). Events with the same `partitionkey` (the
   * resource name) keep their relative order. An event that breaks the CloudEvents spec is
   * refused before anything of the batch is sent.
   * An empty batch resolves at once. After {@link close} it rejects with FAILED_PRECONDITION.
   */
  publish(events: readonly KeystreamCloudEvent[]): Promise<void>;
  /** Waits for a publish in progress, then releases the connection or file. Idempotent. */
  close(): Promise<void>;
}
