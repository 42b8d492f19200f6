/**
 * The event stream relay (ARCHITECTURE.md §1): the publishing handler on the checkpointed consumer
 * runtime, sending every resource event of `$all` to an {@link EventStream} in batches, as
 * CloudEvents (docs/eventstream.md).
 *
 * At-least-once: the checkpoint of a batch is stored only after the stream acknowledged the whole
 * batch, so a crash at any instant republishes at most the batches after the stored checkpoint,
 * never skips one. Consumers deduplicate by event id. Per-resource order holds because batches are
 * published in log order, one at a time, keyed by resource name.
 *
 * The checkpoint lives with the output, not in the read store (docs/eventstream.md): rebuilding
 * the read model must not make the relay publish the whole log again.
 */
import { CheckpointedConsumer, type CheckpointStore, type ConsumerBatch, type ConsumerHandler, type ConsumerMetrics, type ConsumerState } from '@keystream/consumer';
import type { EventStore } from '@keystream/eventstore';
import type { EventStream, KeystreamCloudEvent } from '@keystream/eventstream';
import type { Logger, RetryPolicy } from '@keystream/kernel';
import { cloudEventOf } from './cloudEventOf.js';

/** The checkpoint key used when none is given. */
export const DEFAULT_RELAY_NAME = 'kafka-relay';

/** Where the relay is in its lifecycle. */
export type RelayState = ConsumerState;

/** Options of {@link EventStreamRelay}. */
export interface EventStreamRelayOptions {
  readonly eventStore: EventStore;
  /** Where the relay's checkpoint lives: beside its destination, never in the read store. */
  readonly checkpoints: CheckpointStore;
  readonly stream: EventStream;
  /** Names the relay in logs and errors (default {@link DEFAULT_RELAY_NAME}); one per destination. */
  readonly name?: string;
  /** Most events per publish (default 4096). */
  readonly maxBatchEvents?: number;
  /** Retries of publishes, checkpoint writes and subscriptions (default the kernel's policy). */
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
}

/**
 * Counters and gauges of a relay: the consumer runtime's. Events handled are events the stream
 * acknowledged; handle retries are publishes retried; the handled position is what the stream
 * acknowledged, the checkpoint what is also stored.
 */
export type RelayMetrics = ConsumerMetrics;

const DEFAULT_MAX_BATCH_EVENTS = 4_096;
/** Subscription checkpoints let the relay advance past filtered stretches (EventStoreDB); rarely needed. */
const SUBSCRIPTION_CHECKPOINT_INTERVAL = 1_000;

/**
 * Publishes each batch's resource events as CloudEvents; a batch with none (only internal events,
 * or none at all) has nothing to send, and its checkpoint still advances.
 */
function publishingHandler(stream: EventStream): ConsumerHandler {
  return {
    async handle(batch: ConsumerBatch): Promise<void> {
      const events: KeystreamCloudEvent[] = [];
      for (const event of batch.events) {
        const published = cloudEventOf(event);
        if (published !== undefined) events.push(published);
      }
      if (events.length === 0) return;
      await stream.publish(events);
    },
  };
}

/**
 * Relays the event log to an event stream: the checkpointed consumer runtime with the publishing
 * handler. Runs once: `start`, then `stop`; create a new instance to resume. It owns neither the
 * event store, the checkpoint store nor the stream and closes none of them.
 */
export class EventStreamRelay extends CheckpointedConsumer {
  constructor(options: EventStreamRelayOptions) {
    const batchEvents = options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS;
    super({
      name: options.name ?? DEFAULT_RELAY_NAME,
      eventStore: options.eventStore,
      handler: publishingHandler(options.stream),
      checkpoints: options.checkpoints,
      maxBatchEvents: batchEvents,
      // Publishes are already large; a catch-up does not grow them (one publish is held in memory whole).
      catchUpBatchEvents: batchEvents,
      checkpointInterval: SUBSCRIPTION_CHECKPOINT_INTERVAL,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }
}
