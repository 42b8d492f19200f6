/**
 * Configuration of a {@link Projector}: its stores, its checkpoint name, batching limits,
 * retries and the observers the composition root plugs in.
 */
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import type { Logger, RetryPolicy } from '@keystream/kernel';
import type { BatchSummary } from './projectorMetrics.js';

/** Options of {@link Projector}. */
export interface ProjectorOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  /** The checkpoint key in the read store. Default `read-model`. */
  readonly name?: string;
  /** Most events in one `apply`. Default 512. */
  readonly maxBatchEvents?: number;
  /** Most events in one `apply` while catching up with the log as it stood at start (the runtime's `catchUpBatchEvents`). Default 4 × maxBatchEvents. */
  readonly catchUpBatchEvents?: number;
  /**
   * Longest time a batch stays open while events keep arriving without a pause, before it is
   * committed anyway. A batch is committed at once whenever the subscription has nothing more
   * ready (caught up), so this bounds latency under sustained load only. Default 50 ms.
   */
  readonly maxBatchDelayMs?: number;
  /** Passed to `subscribeToAll`: how often a checkpoint comes through filtered stretches. Default 256. */
  readonly checkpointInterval?: number;
  /** Retries of failed applies and dropped subscriptions. Default the kernel's `DEFAULT_RETRY_POLICY` (transient failures retried for ever). */
  readonly retry?: Partial<RetryPolicy>;
  /** Window of the throughput gauge. Default 10 s. */
  readonly throughputWindowMs?: number;
  readonly logger?: Logger;
  /**
   * Told once when the projector stops on an error it cannot recover from (the same error
   * {@link Projector.done} rejects with), so the process can exit or report unready.
   */
  readonly onError?: (error: Error) => void;
  /** Told after each committed batch (for histograms, tests and traces). Must not throw. */
  readonly onBatchApplied?: (summary: BatchSummary) => void;
  /** Monotonic milliseconds, for durations and throughput. Default `performance.now`. */
  readonly clock?: () => number;
  /** Wall-clock milliseconds, for the age of events. Default `Date.now`. */
  readonly wallClock?: () => number;
}
