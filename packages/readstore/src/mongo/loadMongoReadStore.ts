/**
 * The MongoDB adapter, loaded when a process is configured to use it: the driver takes about a
 * tenth of a second to load, which every process on the embedded default would otherwise pay at
 * each start.
 */
import type { MongoReadStore, MongoReadStoreOptions } from './mongoReadStore.js';

/** Loads the adapter and connects. */
export async function loadMongoReadStore(options: MongoReadStoreOptions): Promise<MongoReadStore> {
  const adapter = await import('./mongoReadStore.js');
  return adapter.connectMongoReadStore(options);
}
