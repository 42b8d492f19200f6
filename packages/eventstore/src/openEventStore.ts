import { KeystreamError } from '@keystream/api';
import { loadEsdbEventStore } from './esdb/loadEsdbEventStore.js';
import type { EventStore } from './eventStore.js';
import { openLmdbEventStore } from './lmdb/lmdbEventStore.js';

/**
 * Opens the event store a `KEYSTREAM_EVENTSTORE`-style location names: `esdb://…` or
 * `esdb+discover://…` → EventStoreDB; `lmdb:<directory>` or a plain directory → embedded LMDB.
 */
export async function openEventStore(location: string): Promise<EventStore> {
  if (location.startsWith('esdb://') || location.startsWith('esdb+discover://')) return await loadEsdbEventStore({ connectionString: location });
  const path = location.startsWith('lmdb:') ? location.slice('lmdb:'.length) : location;
  if (path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new KeystreamError('INVALID_ARGUMENT', `event store location "${location}" is neither esdb://… nor an LMDB directory (lmdb:<dir> or a path)`);
  }
  return openLmdbEventStore({ path });
}
