/**
 * What the projector reports about itself, as plain values; the composition root turns them
 * into Prometheus gauges and counters (this package does not depend on a metrics library).
 */
import type { ConsumerMetrics, ConsumerState } from '@keystream/consumer';
import type { Position } from '@keystream/kernel';

/** Lifecycle of a projector instance: the consumer runtime's. */
export type ProjectorState = ConsumerState;

/**
 * A snapshot of the projector's counters and gauges: the consumer runtime's (events handled =
 * committed to the read model, handle retries = failed applies retried, checkpoint = applied
 * position), and what the projection did with those events. Totals count since this instance started.
 */
export interface ProjectorMetrics extends ConsumerMetrics {
  /** Of the events handled, those with no read-model effect (not a resource stream, or no resource). */
  readonly eventsWithoutEffectTotal: number;
  /** Of the events handled, those skipped with a warning: unknown kind, or a document the store cannot take. */
  readonly eventsRejectedTotal: number;
  /** Document writes that changed a document (the read store's `applied`). */
  readonly documentsChangedTotal: number;
  /** Document writes the read store skipped as already applied (replays after a crash). */
  readonly writesSkippedTotal: number;
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
