import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract, reopenableFixture } from '../testing/eventStoreContract.js';
import { openLmdbEventStore } from './lmdbEventStore.js';

describeEventStoreContract({
  name: 'embedded LMDB',
  async create() {
    const path = await mkdtemp(join(tmpdir(), 'keystream-eventstore-'));
    return reopenableFixture(() => openLmdbEventStore({ path }), {
      location: `lmdb:${path}`,
      cleanUp: () => rm(path, { recursive: true, force: true }),
    });
  },
});
