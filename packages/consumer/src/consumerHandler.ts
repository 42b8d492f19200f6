/**
 * What an event consumer is to the runtime: a handler of batches of `$all`, and where its
 * checkpoint lives. The projector, the relay, the authorization feed and every process manager
 * are one of these ("react to events, issue commands or write output, checkpoint").
 */
import type { Position, RecordedEvent } from '@keystream/eventstore';

/**
 * A run of consecutive events of `$all`, handed to {@link ConsumerHandler.handle}. The event type
 * is the event store's recorded event; a consumer that reads only part of it may narrow it.
 */
export interface ConsumerBatch<Event = RecordedEvent> {
  /** Events after {@link from}, in log order; empty when the subscription only moved past events it filtered out. */
  readonly events: readonly Event[];
  /** The checkpoint before this batch. */
  readonly from: Position;
  /** The checkpoint after this batch: the last event's position, or a later subscription checkpoint. */
  readonly upTo: Position;
}

/**
 * A consumer's logic. The runtime calls {@link handle} one batch at a time, in log order, and
 * stores the checkpoint after it resolves; after a crash the batches after the stored checkpoint
 * come again, so handling must be idempotent per event (deterministic command or message ids,
 * documents that carry the position of the last event applied to them).
 */
export interface ConsumerHandler<Event = RecordedEvent> {
  /**
   * Handles one batch; resolving means its effects are durable (or, for an in-memory consumer,
   * applied). Called also for batches without events, so a handler that stores the checkpoint
   * itself can store it. A rejection is retried with the consumer's backoff when it is transient
   * ({@link isTransientError}) and stops the consumer otherwise.
   */
  handle(batch: ConsumerBatch<Event>): Promise<void>;
  /**
   * When true, {@link handle} stores `batch.upTo` itself, in the same transaction as its output
   * (the projector's read-store apply), and the runtime only reads the checkpoint at start.
   */
  readonly storesCheckpoint?: boolean;
}
