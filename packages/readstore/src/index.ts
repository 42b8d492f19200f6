/**
 * @keystream/readstore — the ReadStore port (documents per kind, projector checkpoints, change
 * log), its embedded LMDB adapter and its MongoDB adapter. Contract tests are published
 * separately as `@keystream/readstore/testing`.
 */
export type {
  ApplyBatch,
  ApplyResult,
  BatchGetResult,
  ChangeFeed,
  ChangeLogEntry,
  ChangeLogRetention,
  CountOptions,
  DocumentWrite,
  JsonObject,
  QueryFilter,
  QueryOptions,
  QueryResult,
  ReadStore,
  SortSpec,
  StoredDocument,
} from './readStore.js';
export type { Position } from './position.js';
export { wholeWordsOf, wordsOf } from './phraseHint.js';
export type { PhraseHint } from './phraseHint.js';
export { EXPIRED, ChangeLogExpiredError, isChangeLogExpiredError } from './errors/changeLogExpiredError.js';
export { LmdbReadStore, openLmdbReadStore } from './lmdb/lmdbReadStore.js';
export type { LmdbReadStoreOptions } from './lmdb/lmdbReadStore.js';
export { COLLECTION_OF_NAME } from './lmdb/kindIndexes.js';
export type { IndexSpecification } from './lmdb/kindIndexes.js';
// The MongoDB adapter is loaded on use (loadMongoReadStore.ts); its class is exported as a type.
export { loadMongoReadStore } from './mongo/loadMongoReadStore.js';
export type { MongoReadStore, MongoReadStoreOptions } from './mongo/mongoReadStore.js';
