/**
 * A consumer's state and checkpoint in an LMDB environment of its own (the process managers':
 * `<data directory>/process-managers`). One database: rows under `[table, key]` (msgpack values),
 * the checkpoint and the state's version under keys no table row can have. A commit is one
 * LMDB write transaction, so a crash leaves either the old state with the old checkpoint or the
 * new state with the new one.
 */
import { noSpaceCauseOf, storageExhausted } from '@keystream/api';
import type { Position } from '@keystream/kernel';
import { open, type RootDatabase } from 'lmdb';
import { ConsumerStateStore, type ConsumerStateBackend, type StateChange } from './consumerStateStore.js';
import type { StateValue } from './stateTable.js';

/** Options of {@link openLmdbConsumerState}. */
export interface LmdbConsumerStateOptions {
  /** The directory of the environment (created when missing). */
  readonly path: string;
  /**
   * The shape of the state. A store written with another version is emptied on open, so the
   * consumer rebuilds its state from the start of the log instead of misreading old rows.
   */
  readonly version: string;
}

const CHECKPOINT_KEY = '\u0001checkpoint';
const VERSION_KEY = '\u0001version';

async function translatingNoSpace<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // Refused for lack of space: the consumer retries it (for as long as the disk is full).
    const noSpace = await noSpaceCauseOf(error);
    throw noSpace === undefined ? error : storageExhausted(what, noSpace);
  }
}

/** A row's key: its table, then its own key (lmdb-js orders array keys element by element). */
type RowKey = string | [string, string];

class LmdbStateBackend implements ConsumerStateBackend {
  constructor(private readonly db: RootDatabase<StateValue, RowKey>) {}

  loadCheckpoint(): Position | undefined {
    const stored = this.db.get(CHECKPOINT_KEY);
    return typeof stored === 'string' ? stored : undefined;
  }

  *loadTable(table: string): Iterable<readonly [string, StateValue]> {
    // [table] sorts before the table's rows, [`${table}\u0001`] after them and before any other table.
    for (const { key, value } of this.db.getRange({ start: [table], end: [`${table}\u0001`] })) {
      if (Array.isArray(key) && key[0] === table && typeof key[1] === 'string') yield [key[1], value];
    }
  }

  write(changes: readonly StateChange[], checkpoint: Position): Promise<void> {
    return translatingNoSpace('process-manager state', () =>
      this.db.transaction(() => {
        for (const change of changes) {
          const key: RowKey = [change.table, change.key];
          if (change.value === undefined) void this.db.remove(key);
          else void this.db.put(key, change.value);
        }
        void this.db.put(CHECKPOINT_KEY, checkpoint);
      }).then(() => undefined),
    );
  }

  async clear(): Promise<void> {
    const version = this.db.get(VERSION_KEY);
    await translatingNoSpace('process-manager state', () =>
      this.db.transaction(() => {
        this.db.clearSync();
        if (version !== undefined) void this.db.put(VERSION_KEY, version);
      }).then(() => undefined),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Opens (or creates) the state store at `options.path`; a store of another
 * {@link LmdbConsumerStateOptions.version} is emptied first.
 */
export async function openLmdbConsumerState(options: LmdbConsumerStateOptions): Promise<ConsumerStateStore> {
  // No event-turn batching: with it a failed commit (disk full) also rejects a batch-start promise
  // of lmdb-js's own that nothing can handle, which ends the process.
  const db = open<StateValue, RowKey>({ path: options.path, encoding: 'msgpack', eventTurnBatching: false });
  if (db.get(VERSION_KEY) !== options.version) {
    await translatingNoSpace('process-manager state', () =>
      db.transaction(() => {
        db.clearSync();
        void db.put(VERSION_KEY, options.version);
      }),
    );
  }
  return new ConsumerStateStore(new LmdbStateBackend(db));
}
