/**
 * A process manager: reacts to events of the log by issuing commands through the command core,
 * with request ids derived from the event it reacts to, so handling an event twice (a replay
 * after a crash) appends nothing new. What it remembers between events lives in tables of the
 * runner's state store (`ConsumerStateStore` of `@keystream/consumer`), written in one transaction
 * with the runner's checkpoint, so a restart resumes from the checkpoint with that state.
 */
import type { RecordedEvent } from '@keystream/eventstore';

/** One process manager. */
export interface ProcessManager {
  /** For logs. */
  readonly name: string;
  /** Event type prefixes it reacts to (the runner subscribes to their union). */
  readonly eventTypePrefixes: readonly string[];
  /**
   * Called once, before the first event, with the state as loaded (a manager with timers arms
   * them here) and again after the runner emptied the state store.
   */
  start?(): void;
  /** Handles one event; called in log order, one at a time. A rejection is retried. */
  handle(event: RecordedEvent): Promise<void>;
  /** Releases timers. */
  close?(): void;
}
