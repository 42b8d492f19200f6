import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from '../testing/readStoreContract.js';
import { openLmdbReadStore } from './lmdbReadStore.js';

describeReadStoreContract({
  name: 'embedded LMDB',
  async create(options) {
    const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
    const store = openLmdbReadStore({ path, ...options });
    return {
      store,
      async dispose() {
        await store.close();
        await rm(path, { recursive: true, force: true });
      },
    };
  },
});
