/**
 * Opens the event store and the read store where the configuration says: embedded LMDB
 * directories by default, EventStoreDB and MongoDB when their URLs are given.
 */
import { connectEsdbEventStore, openLmdbEventStore, type EventStore } from '@keystream/eventstore';
import { connectMongoReadStore, openLmdbReadStore, type ReadStore } from '@keystream/readstore';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { KeystreamConfig } from './config.js';
import { mongoIndexes } from './mongoIndexes.js';

/** Opens the configured event store. */
export function openConfiguredEventStore(config: KeystreamConfig): Promise<EventStore> {
  const location = config.eventStore;
  if (location.kind === 'server') return Promise.resolve(connectEsdbEventStore({ connectionString: location.url }));
  mkdirSync(location.directory, { recursive: true });
  return Promise.resolve(openLmdbEventStore({ path: location.directory, waitForFlush: config.durability === 'flush' }));
}

/**
 * Opens the configured read store, with the change-log retention of the configuration. Both
 * adapters get the same indexes (mongoIndexes.ts); the embedded one serves queries from them.
 */
export async function openConfiguredReadStore(config: KeystreamConfig): Promise<ReadStore> {
  const location = config.readStore;
  const retention = config.changeLog;
  if (location.kind === 'server') {
    const database = new URL(location.url).pathname.replace(/^\//, '') || 'keystream';
    return connectMongoReadStore({ url: location.url, database, retention, indexes: mongoIndexes() });
  }
  mkdirSync(location.directory, { recursive: true });
  return openLmdbReadStore({ path: location.directory, retention, indexes: mongoIndexes(), cacheBytes: config.readCacheBytes });
}

/**
 * The directories this process keeps embedded data in (the data directory, and any embedded
 * store placed outside it), which it must hold alone. None when every store is a server.
 */
export function embeddedDirectories(config: KeystreamConfig): string[] {
  const stores = [config.eventStore, config.readStore].flatMap((location) => (location.kind === 'lmdb' ? [location.directory] : []));
  if (stores.length === 0) return [];
  const inside = (directory: string): boolean => directory === config.dataDirectory || directory.startsWith(`${config.dataDirectory}${path.sep}`);
  return [config.dataDirectory, ...stores.filter((directory) => !inside(directory))];
}
