/**
 * Where a consumer's checkpoint lives. A checkpoint belongs with what the consumer produces, so
 * rebuilding one consumer's output never moves another consumer's position (docs/decisions.md).
 */
import type { Position } from '@keystream/kernel';

/** One consumer's checkpoint: the position after which its next batch starts. */
export interface CheckpointStore {
  /** The stored checkpoint, or undefined when the consumer never stored one (start of the log). */
  load(): Promise<Position | undefined>;
  /** Stores `position`; resolves once it is durable. */
  save(position: Position): Promise<void>;
}

/** A checkpoint that lives as long as the process: for consumers whose output is in memory too. */
export function memoryCheckpointStore(initial?: Position): CheckpointStore & { readonly position: Position | undefined } {
  let position = initial;
  return {
    get position() {
      return position;
    },
    load: () => Promise.resolve(position),
    save(next) {
      position = next;
      return Promise.resolve();
    },
  };
}
