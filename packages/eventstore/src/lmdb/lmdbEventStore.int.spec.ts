import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../eventStore.js';
import { describeEventStoreContract } from '../testing/eventStoreContract.js';
import { openLmdbEventStore } from './lmdbEventStore.js';

describeEventStoreContract({
  name: 'embedded LMDB',
  async create() {
    const path = await mkdtemp(join(tmpdir(), 'keystream-eventstore-'));
    let store: EventStore | undefined = openLmdbEventStore({ path });
    const closeStore = async (): Promise<void> => {
      await store?.close();
      store = undefined;
    };
    return {
      get store(): EventStore {
        if (store === undefined) throw new Error('the store is closed');
        return store;
      },
      location: `lmdb:${path}`,
      closeStore,
      async reopen() {
        await closeStore();
        store = openLmdbEventStore({ path });
        return store;
      },
      async dispose() {
        await closeStore();
        await rm(path, { recursive: true, force: true });
      },
    };
  },
});
