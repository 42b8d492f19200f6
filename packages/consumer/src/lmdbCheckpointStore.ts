/**
 * Checkpoints in a small LMDB environment of their own, one key per consumer name: the relay keeps
 * its position here, beside its destination's configuration rather than in the read store, so a
 * read-model rebuild does not republish the log.
 */
import { noSpaceCauseOf, storageExhausted } from '@keystream/api';
import type { Position } from '@keystream/kernel';
import { open, type RootDatabase } from 'lmdb';
import type { CheckpointStore } from './checkpointStore.js';

/** Options of {@link openLmdbCheckpointStore}. */
export interface LmdbCheckpointStoreOptions {
  /** The directory of the environment (created when missing). */
  readonly path: string;
}

/** An LMDB environment holding the checkpoints of several consumers; close it when done. */
export class LmdbCheckpoints {
  private constructor(private readonly db: RootDatabase<string, string>) {}

  /** Opens (or creates) the environment at `options.path`. */
  static open(options: LmdbCheckpointStoreOptions): LmdbCheckpoints {
    // No event-turn batching: with it a failed commit (disk full) also rejects a batch-start promise
    // of lmdb-js's own that nothing can handle, which ends the process.
    return new LmdbCheckpoints(open<string, string>({ path: options.path, encoding: 'string', eventTurnBatching: false }));
  }

  /** The checkpoint of the consumer called `name`. */
  of(name: string): CheckpointStore {
    return {
      load: () => Promise.resolve(this.db.get(name)),
      // put resolves once the write transaction is committed to disk.
      save: async (position: Position) => {
        try {
          await this.db.put(name, position);
        } catch (error) {
          // Refused for lack of space: the consumer retries it (for as long as the disk is full).
          const noSpace = await noSpaceCauseOf(error);
          throw noSpace === undefined ? error : storageExhausted('checkpoint store', noSpace);
        }
      },
    };
  }

  /** Closes the environment. */
  close(): Promise<void> {
    return this.db.close();
  }
}

/** Opens the checkpoint environment at `options.path`. */
export function openLmdbCheckpoints(options: LmdbCheckpointStoreOptions): LmdbCheckpoints {
  return LmdbCheckpoints.open(options);
}
