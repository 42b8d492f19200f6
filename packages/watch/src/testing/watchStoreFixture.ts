/**
 * A real embedded read store in a temporary directory, written the way the projector writes it
 * (one apply per position, change-log entries in the same transaction), for watch tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbReadStore, type ChangeLogRetention, type DocumentWrite, type JsonObject, type LmdbReadStore } from '@keystream/readstore';

/** A read store plus a position counter. */
export interface WatchStoreFixture {
  readonly store: LmdbReadStore;
  /** Applies one batch at the next position; `null` deletes. Returns the position. */
  write(changes: readonly { readonly kind: string; readonly name: string; readonly document: JsonObject | null }[]): Promise<string>;
  /** The last position written. */
  readonly position: string;
  close(): Promise<void>;
}

/** Positions as the embedded event store makes them: 16 lowercase hex digits. */
export function positionOf(sequence: number): string {
  return sequence.toString(16).padStart(16, '0');
}

/** Opens a fresh store (with optional change-log retention). */
export function openWatchStoreFixture(retention?: ChangeLogRetention): WatchStoreFixture {
  const directory = mkdtempSync(path.join(tmpdir(), 'keystream-watch-'));
  const store = openLmdbReadStore({ path: directory, ...(retention === undefined ? {} : { retention }) });
  let sequence = 0;
  return {
    store,
    get position() {
      return positionOf(sequence);
    },
    async write(changes) {
      sequence += 1;
      const position = positionOf(sequence);
      const writes: DocumentWrite[] = changes.map((change) =>
        change.document === null
          ? { op: 'delete', kind: change.kind, name: change.name, position }
          : { op: 'put', kind: change.kind, name: change.name, position, document: { ...change.document, name: change.name } },
      );
      await store.apply({ writes });
      return position;
    },
    async close() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
