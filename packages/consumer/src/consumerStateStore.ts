/**
 * The state of a consumer that keeps some (a process manager: which bindings hold which
 * assignment, which invitations are pending), stored together with its checkpoint: each
 * {@link ConsumerStateStore.commit} writes the changes of every table and the checkpoint in one
 * transaction, so after a crash the state and the checkpoint always belong together, and the
 * consumer resumes from the checkpoint with the state as it was there instead of reading the
 * whole log again (docs/consumers.md).
 */
import type { Position } from '@keystream/kernel';
import type { CheckpointStore } from './checkpointStore.js';
import { StateTable, type StateValue } from './stateTable.js';

/** One change of a table, as written. */
export interface StateChange {
  readonly table: string;
  readonly key: string;
  /** undefined deletes the key. */
  readonly value: StateValue | undefined;
}

/** Where a {@link ConsumerStateStore} keeps its data: the LMDB environment, or memory. */
export interface ConsumerStateBackend {
  /** The stored checkpoint, or undefined (start of the log). */
  loadCheckpoint(): Position | undefined;
  /** Every row of a table. */
  loadTable(table: string): Iterable<readonly [string, StateValue]>;
  /** Writes the changes and the checkpoint atomically; resolves once durable. */
  write(changes: readonly StateChange[], checkpoint: Position): Promise<void>;
  /** Forgets every table and the checkpoint (a state of another version, or of another log). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** A consumer's tables and checkpoint, committed together. */
export class ConsumerStateStore {
  private readonly tables = new Map<string, StateTable<StateValue>>();
  private committed: Position | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly backend: ConsumerStateBackend) {
    this.committed = backend.loadCheckpoint();
  }

  /** The table `name`, loaded from the store on first use. */
  table<V extends StateValue>(name: string): StateTable<V> {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new StateTable<StateValue>(name, this.backend.loadTable(name));
      this.tables.set(name, table);
    }
    return table as unknown as StateTable<V>;
  }

  /** The checkpoint the state belongs to (undefined: the state is empty, read the log from its start). */
  get checkpoint(): Position | undefined {
    return this.committed;
  }

  /** Whether some table changed since the last commit. */
  get dirty(): boolean {
    for (const table of this.tables.values()) if (table.dirty) return true;
    return false;
  }

  /**
   * Writes every table's changes with `position` as the checkpoint, in one transaction. When the
   * write fails the changes stay pending, so the retry writes them.
   */
  async commit(position: Position): Promise<void> {
    const taken = [...this.tables.values()].map((table) => ({ table, changes: table.takeChanges() }));
    const changes: StateChange[] = taken.flatMap(({ table, changes: rows }) => [...rows].map(([key, value]) => ({ table: table.name, key, value })));
    try {
      await this.backend.write(changes, position);
      this.committed = position;
    } catch (error) {
      for (const { table, changes: rows } of taken) table.restoreChanges(rows);
      throw error;
    }
  }

  /**
   * Empties the store: tables already handed out are emptied too, and written at the next commit.
   * For a state that does not belong to the log being read (see the process-manager runner).
   */
  async reset(): Promise<void> {
    await this.backend.clear();
    this.committed = undefined;
    for (const table of this.tables.values()) {
      for (const key of [...table.keys()]) table.delete(key);
      table.takeChanges();
    }
  }

  /**
   * The checkpoint as a {@link CheckpointStore} for the runtime: `load` reads it; `save` commits
   * the pending changes with it (a consumer whose handler commits itself never has `save` called).
   */
  get checkpoints(): CheckpointStore {
    return { load: () => Promise.resolve(this.committed), save: (position) => this.commit(position) };
  }

  /** Closes the backend (once; later calls resolve at once). */
  close(): Promise<void> {
    this.closing ??= this.backend.close();
    return this.closing;
  }
}

/** A backend in memory (tests, and consumers whose state may be lost). */
export function memoryStateBackend(): ConsumerStateBackend {
  const tables = new Map<string, Map<string, StateValue>>();
  let checkpoint: Position | undefined;
  return {
    loadCheckpoint: () => checkpoint,
    loadTable: (table) => [...(tables.get(table) ?? [])],
    write(changes, position) {
      for (const change of changes) {
        const rows = tables.get(change.table) ?? new Map<string, StateValue>();
        if (change.value === undefined) rows.delete(change.key);
        else rows.set(change.key, change.value);
        tables.set(change.table, rows);
      }
      checkpoint = position;
      return Promise.resolve();
    },
    clear() {
      tables.clear();
      checkpoint = undefined;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}
