/**
 * Opens the event store and the read store where the configuration says: embedded LMDB
 * directories by default, EventStoreDB and MongoDB when their URLs are given.
 */
import { ForwardingEventStore, loadEsdbEventStore, openLmdbEventStore, type EventStore } from '@keystream/eventstore';
import { loadMongoReadStore, openLmdbReadStore, type ReadStore } from '@keystream/readstore';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { KeystreamConfig, StoreLocation } from './config.js';
import { appendSocketOf, readAppendSecret } from './appendForwarding.js';
import { embeddedIndexes, mongoIndexes } from './mongoIndexes.js';

/** Opens the configured event store. */
export function openConfiguredEventStore(config: KeystreamConfig): Promise<EventStore> {
  const location = config.eventStore;
  if (location.kind === 'server') return loadEsdbEventStore({ connectionString: location.url });
  mkdirSync(location.directory, { recursive: true });
  const store = openLmdbEventStore({ path: location.directory, waitForFlush: config.durability === 'flush', follow: !writesEventLog(config) });
  if (!config.roles.has('replica')) return Promise.resolve(store);
  // A replica reads its follower and appends through the log's writer (appendForwarding.ts).
  const directory = location.directory;
  return Promise.resolve(new ForwardingEventStore(store, { address: appendSocketOf(directory), secret: () => readAppendSecret(directory) }));
}

/**
 * Opens the configured read store, with the change-log retention of the configuration. Both
 * adapters get the same indexes (mongoIndexes.ts), the embedded one also the newest-first order
 * within a parent, which it serves Lists from.
 */
export async function openConfiguredReadStore(config: KeystreamConfig): Promise<ReadStore> {
  const location = config.readStore;
  const retention = config.changeLog;
  if (location.kind === 'server') {
    const database = new URL(location.url).pathname.replace(/^\//, '') || 'keystream';
    return loadMongoReadStore({ url: location.url, database, retention, indexes: mongoIndexes() });
  }
  mkdirSync(location.directory, { recursive: true });
  return openLmdbReadStore({ path: location.directory, retention, indexes: embeddedIndexes(), cacheBytes: config.readCacheBytes, follow: !writesReadModel(config) });
}

/** Whether the process appends to the event log (it runs the api); the others follow it (embedded) or only read it. */
export function writesEventLog(config: Pick<KeystreamConfig, 'roles'>): boolean {
  return config.roles.has('api');
}

/** Whether the process applies to the read model (it runs the projector); the others follow it (embedded) or only read it. */
export function writesReadModel(config: Pick<KeystreamConfig, 'roles'>): boolean {
  return config.roles.has('projector');
}

/**
 * What this process must hold alone: per embedded store it writes (and the process managers' and
 * relay's state, kept in LMDB in the data directory whatever the stores), the directory and the
 * part written. Two processes may share a directory when they write different parts — an api
 * process and a projector on one data directory — but never the same part. A process that only
 * follows a store (a gateway) holds nothing.
 */
export function writerLocks(config: KeystreamConfig): WriterLock[] {
  const locks: WriterLock[] = [];
  const store = (location: StoreLocation, part: string): void => {
    if (location.kind !== 'lmdb') return;
    locks.push({ directory: config.dataDirectory, part });
    // A store placed outside the data directory is held there too (another data directory may name it).
    if (!isInside(location.directory, config.dataDirectory)) locks.push({ directory: location.directory, part });
  };
  if (writesEventLog(config)) store(config.eventStore, 'event-log');
  if (writesReadModel(config)) store(config.readStore, 'read-model');
  if (config.roles.has('api')) locks.push({ directory: config.dataDirectory, part: 'process-managers' });
  if (config.eventStream !== undefined && config.roles.has('relay')) locks.push({ directory: config.dataDirectory, part: 'relay' });
  return locks;
}

/** A part of a directory one process writes (see writerLocks). */
export interface WriterLock {
  readonly directory: string;
  readonly part: string;
}

function isInside(directory: string, parent: string): boolean {
  return directory === parent || directory.startsWith(`${parent}${path.sep}`);
}
