/**
 * What a consumer reports about itself, as plain values; the composition root turns them into
 * Prometheus gauges (this package does not depend on a metrics library).
 */
import type { Position } from '@keystream/kernel';

/** Lifecycle of a consumer instance. */
export type ConsumerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A snapshot of a consumer's counters and gauges. Totals count since this instance started. */
export interface ConsumerMetrics {
  readonly state: ConsumerState;
  /** Events handled and checkpointed. */
  readonly eventsHandledTotal: number;
  /** Batches handled and checkpointed, event-less ones included. */
  readonly batchesTotal: number;
  /** Failed `handle` attempts that were retried. */
  readonly handleRetriesTotal: number;
  /** Failed checkpoint writes that were retried. */
  readonly checkpointRetriesTotal: number;
  /** Times the subscription was opened again after it failed or ended on its own. */
  readonly resubscriptionsTotal: number;
  /** Every event up to here is handled (its checkpoint may still be being stored). */
  readonly handledPosition: Position;
  /** The stored checkpoint. `''` before the first event. */
  readonly checkpointPosition: Position;
  /** The event store's head when these metrics were taken; undefined if it could not be read. */
  readonly headPosition: Position | undefined;
  /** How far the checkpoint is behind the head (events on the embedded store); undefined when not computable. */
  readonly lag: number | undefined;
  /** Whether the checkpoint is at (or past) the head. */
  readonly caughtUp: boolean;
  /** Age of the newest event of the last batch when it was checkpointed (from its `occurredAt`). */
  readonly lastEventAgeMs: number | undefined;
  /** Events in the last batch. */
  readonly lastBatchEvents: number;
  /** Wall time of the last batch's handling and checkpoint (retries included). */
  readonly lastBatchDurationMs: number;
  /** Events handled per second over the throughput window. */
  readonly throughputEventsPerSecond: number;
  /** Callers waiting in `waitForPosition`. */
  readonly positionWaiters: number;
}

/** What {@link CheckpointedConsumerOptions.onBatch} is told after each checkpointed batch. */
export interface BatchReport {
  /** The checkpoint stored with the batch. */
  readonly position: Position;
  readonly events: number;
  readonly durationMs: number;
}
