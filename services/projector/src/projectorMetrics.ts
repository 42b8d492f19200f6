/**
 * What the projector reports about itself, as plain values; the composition root turns them
 * into Prometheus gauges and counters (this package does not depend on a metrics library).
 */
import type { Position } from '@keystream/kernel';

/** Lifecycle of a projector instance. */
export type ProjectorState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A snapshot of the projector's counters and gauges. Totals count since this instance started. */
export interface ProjectorMetrics {
  readonly state: ProjectorState;
  /** Events committed to the read model (with or without a document effect). */
  readonly eventsAppliedTotal: number;
  /** Of those, events with no read-model effect (not a resource stream, or no resource). */
  readonly eventsWithoutEffectTotal: number;
  /** Of those, events skipped with a warning: unknown kind, or a document the store cannot take. */
  readonly eventsRejectedTotal: number;
  /** Document writes that changed a document (the read store's `applied`). */
  readonly documentsChangedTotal: number;
  /** Document writes the read store skipped as already applied (replays after a crash). */
  readonly writesSkippedTotal: number;
  /** Committed `apply` calls, checkpoint-only ones included. */
  readonly batchesTotal: number;
  /** Failed `apply` attempts that were retried. */
  readonly applyRetriesTotal: number;
  /** Times the subscription was opened again after it failed or ended on its own. */
  readonly resubscriptionsTotal: number;
  /** The stored checkpoint: every event up to it is applied. `''` before the first event. */
  readonly appliedPosition: Position;
  /** The event store's head when these metrics were taken; undefined if it could not be read. */
  readonly headPosition: Position | undefined;
  /**
   * How far the read model is behind the head: events on the embedded store, bytes of the
   * transaction log on EventStoreDB; undefined when not computable (see positionDistance).
   */
  readonly lag: number | undefined;
  /** Whether the checkpoint is at (or past) the head. */
  readonly caughtUp: boolean;
  /**
   * Age of the newest event of the last batch when that batch committed (commit time minus the
   * event's `occurredAt`): the end-to-end projection delay a reader saw. Undefined before the
   * first event or when `occurredAt` does not parse.
   */
  readonly lastEventAgeMs: number | undefined;
  /** Events in the last batch. */
  readonly lastBatchEvents: number;
  /** Wall time of the last batch's `apply` (retries included). */
  readonly lastBatchDurationMs: number;
  /** Events applied per second over the last `throughputWindowMs`. */
  readonly throughputEventsPerSecond: number;
  /** Callers waiting in `waitForPosition`. */
  readonly positionWaiters: number;
}

/** What {@link ProjectorOptions.onBatchApplied} is told after each committed batch. */
export interface BatchSummary {
  /** The checkpoint stored with the batch. */
  readonly position: Position;
  readonly events: number;
  readonly writes: number;
  readonly documentsChanged: number;
  readonly writesSkipped: number;
  readonly durationMs: number;
}
