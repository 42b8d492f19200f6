/**
 * A process manager: reacts to events of the log by issuing commands through the command core,
 * with request ids derived from the event it reacts to, so handling an event twice (a replay
 * after a restart) appends nothing new. It keeps whatever it needs in memory, rebuilt from the
 * log at start.
 */
import type { RecordedEvent } from '@keystream/eventstore';

/** One process manager. */
export interface ProcessManager {
  /** For logs. */
  readonly name: string;
  /** Event type prefixes it reacts to (the runner subscribes to their union). */
  readonly eventTypePrefixes: readonly string[];
  /** Handles one event; called in log order, one at a time. A rejection is retried. */
  handle(event: RecordedEvent): Promise<void>;
  /** Releases timers. */
  close?(): void;
}
