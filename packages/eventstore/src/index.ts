/**
 * @keystream/eventstore — the EventStore port, its embedded LMDB adapter and its EventStoreDB
 * adapter. Contract tests are published separately as `@keystream/eventstore/testing`.
 */
export type {
  AllSubscription,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  StreamAppend,
  JsonObject,
  NewEvent,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from './eventStore.js';
export { START_POSITION, comparePositions } from './position.js';
export type { Position } from './position.js';
export { WRONG_EXPECTED_VERSION, WrongExpectedVersionError, isWrongExpectedVersionError } from './errors/wrongExpectedVersionError.js';
export { DUPLICATE_EVENT_ID, DuplicateEventIdError } from './errors/duplicateEventIdError.js';
export { LmdbEventStore, openLmdbEventStore } from './lmdb/lmdbEventStore.js';
export type { LmdbEventStoreOptions } from './lmdb/lmdbEventStore.js';
// The EventStoreDB adapter is loaded on use (loadEsdbEventStore.ts); its class is exported as a type.
export { loadEsdbEventStore } from './esdb/loadEsdbEventStore.js';
export type { EsdbEventStore, EsdbEventStoreOptions } from './esdb/esdbEventStore.js';
export { encodeEsdbPosition, decodeEsdbPosition } from './esdb/esdbPosition.js';
export { openEventStore } from './openEventStore.js';
export { ForwardingEventStore } from './forwarding/forwardingEventStore.js';
export type { ForwardingEventStoreOptions } from './forwarding/forwardingEventStore.js';
export { serveAppends } from './forwarding/appendServer.js';
export type { AppendServer, AppendServerOptions } from './forwarding/appendServer.js';
