/**
 * Real embedded stores in a unique temporary directory, removed on dispose.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbEventStore, type LmdbEventStore } from '@keystream/eventstore';
import { openLmdbReadStore, type LmdbReadStore } from '@keystream/readstore';

/** An LMDB event store and read store pair. */
export interface StoreFixture {
  readonly eventStorePath: string;
  readonly readStorePath: string;
  eventStore: LmdbEventStore;
  readStore: LmdbReadStore;
  /** Closes both stores (idempotent). */
  close(): Promise<void>;
  /** Closes and opens both stores again on the same data. */
  reopen(): Promise<void>;
  /** Closes the stores and deletes the directory. */
  dispose(): Promise<void>;
}

/** Opens fresh stores under a new temporary directory. */
export async function openStoreFixture(): Promise<StoreFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'keystream-projector-'));
  const eventStorePath = join(directory, 'events');
  const readStorePath = join(directory, 'read');
  const fixture: StoreFixture = {
    eventStorePath,
    readStorePath,
    eventStore: openLmdbEventStore({ path: eventStorePath }),
    readStore: openLmdbReadStore({ path: readStorePath }),
    async close() {
      await fixture.eventStore.close();
      await fixture.readStore.close();
    },
    async reopen() {
      await fixture.close();
      fixture.eventStore = openLmdbEventStore({ path: eventStorePath });
      fixture.readStore = openLmdbReadStore({ path: readStorePath });
    },
    async dispose() {
      await fixture.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return fixture;
}
