/**
 * The event stream relay (ARCHITECTURE.md §1): the publishing handler on the checkpointed consumer
 * runtime, sending every event of `$all` to an {@link EventStream} in batches.
 *
 * At-least-once: the checkpoint of a batch is stored only after the stream acknowledged the whole
 * batch, so a crash at any instant republishes at most the batches after the stored checkpoint,
 * never skips one. Consumers deduplicate by event id. Per-resource order holds because batches are
 * published in log order, one at a time, keyed by resource name.
 *
 * The checkpoint lives with the output, not in the read store (docs/eventstream.md): rebuilding
 * the read model must not make the relay publish the whole log again.
 */
import { CheckpointedConsumer, type CheckpointStore, type ConsumerBatch, type ConsumerHandler, type ConsumerState } from '@keystream/consumer';
import type { EventStore } from '@keystream/eventstore';
import type { EventStream } from '@keystream/eventstream';
import type { Logger, Position, RetryPolicy } from '@keystream/kernel';
import { envelopeOf } from './envelopeOf.js';

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
  /** Names the relay in logs (default {@link DEFAULT_RELAY_NAME}); one per destination. */
  readonly name?: string;
  /** Most events per publish (default 500). */
  readonly maxBatchEvents?: number;
  /** Retries of publishes, checkpoint writes and subscriptions (default the kernel's policy). */
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
}

/** Counters and gauges of a relay. */
export interface RelayMetrics {
  readonly state: RelayState;
  readonly eventsPublishedTotal: number;
  readonly batchesTotal: number;
  readonly publishRetriesTotal: number;
  readonly checkpointRetriesTotal: number;
  readonly resubscriptionsTotal: number;
  /** Everything up to here was acknowledged by the stream. */
  readonly publishedPosition: Position;
  /** Everything up to here is acknowledged and its checkpoint stored. */
  readonly checkpointPosition: Position;
  readonly headPosition: Position | undefined;
  /** Events (embedded store) between the checkpoint and the head; undefined if unknown. */
  readonly lag: number | undefined;
  readonly caughtUp: boolean;
  /** Age of the newest published event (from its `occurredAt`) when its batch was checkpointed. */
  readonly lastEventAgeMs: number | undefined;
  readonly lastBatchEvents: number;
  readonly lastPublishDurationMs: number;
}

const DEFAULT_MAX_BATCH_EVENTS = 500;
/** Subscription checkpoints let the relay advance past filtered stretches (EventStoreDB); rarely needed. */
const SUBSCRIPTION_CHECKPOINT_INTERVAL = 1_000;

/** Publishes each batch's events as envelopes; an event-less batch has nothing to send. */
function publishingHandler(stream: EventStream): ConsumerHandler {
  return {
    async handle(batch: ConsumerBatch): Promise<void> {
      if (batch.events.length === 0) return;
      await stream.publish(batch.events.map(envelopeOf));
    },
  };
}

/**
 * Relays the event log to an event stream. Runs once: {@link start}, then {@link stop}; create a
 * new instance to resume. It owns neither the stores nor the stream and closes none of them.
 */
export class EventStreamRelay {
  /** Names the relay (and its checkpoint). */
  readonly name: string;
  private readonly consumer: CheckpointedConsumer;

  constructor(options: EventStreamRelayOptions) {
    this.name = options.name ?? DEFAULT_RELAY_NAME;
    this.consumer = new CheckpointedConsumer({
      name: `relay ${this.name} to ${options.stream.description}`,
      eventStore: options.eventStore,
      handler: publishingHandler(options.stream),
      checkpoints: options.checkpoints,
      maxBatchEvents: options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS,
      checkpointInterval: SUBSCRIPTION_CHECKPOINT_INTERVAL,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  /** Where the relay is in its lifecycle. */
  get status(): RelayState {
    return this.consumer.status;
  }

  /** Everything up to this position has been acknowledged by the stream and checkpointed. */
  get position(): Position {
    return this.consumer.position;
  }

  /** Reads the checkpoint and starts relaying in the background. Rejects if the checkpoint cannot be read. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /**
   * Graceful stop: stops reading, publishes what was read (a publish that still fails is left to
   * the next start), stores the checkpoint, resolves when the loop has ended.
   */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Resolves when the relay has stopped, rejects if it failed. */
  done(): Promise<void> {
    return this.consumer.done();
  }

  /** Counters and gauges; reads the event store's head for the lag. */
  async metrics(): Promise<RelayMetrics> {
    const metrics = await this.consumer.metrics();
    return {
      state: metrics.state,
      eventsPublishedTotal: metrics.eventsHandledTotal,
      batchesTotal: metrics.batchesTotal,
      publishRetriesTotal: metrics.handleRetriesTotal,
      checkpointRetriesTotal: metrics.checkpointRetriesTotal,
      resubscriptionsTotal: metrics.resubscriptionsTotal,
      publishedPosition: metrics.handledPosition,
      checkpointPosition: metrics.checkpointPosition,
      headPosition: metrics.headPosition,
      lag: metrics.lag,
      caughtUp: metrics.caughtUp,
      lastEventAgeMs: metrics.lastEventAgeMs,
      lastBatchEvents: metrics.lastBatchEvents,
      lastPublishDurationMs: metrics.lastBatchDurationMs,
    };
  }
}
