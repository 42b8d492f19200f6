/**
 * Checkpoints in a small LMDB environment of their own, one key per consumer name: the relay keeps
 * its position here, beside its destination's configuration rather than in the read store, so a
 * read-model rebuild does not republish the log.
 */
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
    return new LmdbCheckpoints(open<string, string>({ path: options.path, encoding: 'string' }));
  }

  /** The checkpoint of the consumer called `name`. */
  of(name: string): CheckpointStore {
    return {
      load: () => Promise.resolve(this.db.get(name)),
      // put resolves once the write transaction is committed to disk.
      save: async (position: Position) => {
        await this.db.put(name, position);
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
