import { EventEmitter } from 'node:events';
import { KeystreamError, StorageFullLatch, noSpaceCauseOf, storageExhausted } from '@keystream/api';
import type { Database, RootDatabase, Transaction } from 'lmdb';
import { LMDB_PLAIN_MSGPACK, watchEnvironmentCommits, type EnvironmentCommitWatch } from '@keystream/kernel';
import { open } from 'lmdb';
import { filterQuery } from '@keystream/resource';
import { compare, resolve } from 'mingo/util';
import type { Query } from 'mingo/query';
import { ChangeLogExpiredError } from '../errors/changeLogExpiredError.js';
import { normalizeSort, type SortKey } from '../normalizeSort.js';
import type { Position } from '../position.js';
import { comparePositions } from '../position.js';
import type {
  ApplyBatch,
  ApplyResult,
  BatchGetResult,
  ChangeFeed,
  CountOptions,
  ChangeLogEntry,
  ChangeLogRetention,
  JsonObject,
  QueryFilter,
  QueryOptions,
  QueryResult,
  ReadStore,
  StoredDocument,
} from '../readStore.js';
import { validateBatch } from '../validateBatch.js';
import { meetsSetConditions, splitSetConditions } from './setMembershipFilter.js';
import { wholeWordsOf, wordsOf, type PhraseHint } from '../phraseHint.js';
import { openChangeFeed } from '../changeFeed.js';
import { choosePath, kindRange, PROBE_STEPS_PER_READ, SMALL_PATH, type AccessPath, type KeyRange, type NameRange, type PlanContext, type SeekBoundary } from './accessPath.js';
import { DocumentCache } from './documentCache.js';
import { TopK } from './topK.js';
import { WordList } from './wordList.js';
import { filterShape, type FilterShape } from './filterClauses.js';
import { afterPrefix, ascendingComponentAt, indexKey, isCutInKey, keptAsKeyPart, stringComponent } from './indexKey.js';
import { indexNamesInOrder, namesInRanges, rangesBeforeSeek } from './indexWalk.js';
import {
  kindIndexesOf,
  postingKey,
  sortedEntriesOf,
  textWordsOf,
  wordPrefix,
  type IndexEntry,
  type IndexSpecification,
  type KindIndexes,
  type SortedIndexDefinition,
  type TextIndexDefinition,
} from './kindIndexes.js';

/** Options of {@link openLmdbReadStore}. */
export interface LmdbReadStoreOptions {
  /** Directory of the LMDB environment (created if absent). */
  readonly path: string;
  readonly retention?: ChangeLogRetention;
  /**
   * The indexes of each kind: the same specifications the MongoDB adapter creates (sorted
   * `{field: 1|-1, …, name: 1}` and one `'text'` index over the phrase fields). A kind without any
   * is read in name order. A kind whose stored index set differs is re-indexed at its first use.
   */
  readonly indexes?: Readonly<Record<string, readonly IndexSpecification[]>> | ((kind: string) => readonly IndexSpecification[]);
  /** Byte budget of the decoded-document cache. Default {@link DEFAULT_CACHE_BYTES}. */
  readonly cacheBytes?: number;
  /** Clock for change-log timestamps and age retention (tests pass a fake). */
  readonly now?: () => number;
  /** Documents a text-index word must be under before its postings are dropped (default 4,096; tests lower it). */
  readonly saturatedWordCount?: number;
  /** Matches a query reads whole rather than walking the sort's order for (default 2,048: accessPath.ts; tests lower it). */
  readonly smallPath?: number;
  /**
   * This process only reads: another process (the one running the projector) applies to the same
   * directory. Applies are refused; the other process's commits are noticed (environmentCommits in
   * @keystream/kernel) and handed to change feeds, and reads see one commit at a time (see
   * `follow`). Default false: this process writes.
   */
  readonly follow?: boolean;
}

export type { IndexSpecification } from './kindIndexes.js';

/** Default byte budget of the document cache: 64 MiB. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** A text-index word: the word, how many documents hold it, and whether its postings are dropped. */
type VocabularyEntry = readonly [word: string, count: number, saturated?: true];

/** A document record as stored: the live document and the position of its last write. */
interface DocumentRecord {
  readonly position: Position;
  readonly document: JsonObject;
}

/** A document's state during an apply: `document` null when deleted (a tombstone) or never there. */
interface DocumentState {
  readonly position: Position;
  readonly document: JsonObject | null;
}

/**
 * A follower that finds more new change-log entries than this since its last look (it was not
 * told for a long while, or a rebuild ran) forgets its cached documents and word lists instead of
 * reading every entry to update them.
 */
const FOLLOW_ENTRIES_CAP = 10_000;

/** Change-log entries read per LMDB range scan. */
const FEED_PAGE = 512;
const PRUNED_THROUGH = 'prunedThrough';
const CHANGE_COUNT = 'changeCount';
const KEY_FORMAT = 'keyFormat';
/**
 * Version of the layout. A store written with another layout is a projection that can be rebuilt,
 * so it is emptied and the projector replays it from the start. Format 3: live documents and
 * tombstones apart, persistent indexes, per-kind counts. Format 4: also counts per kind and first
 * name segment (`projects/`), so a wildcard parent's count is one read.
 */
const CURRENT_KEY_FORMAT = 4;
const APPLIED = 'applied';
/**
 * The sorted indexes a kind's set gained (and the stored set), when the stored set (its
 * fingerprint) is the new one's beginning and only sorted indexes follow: ids are positions, so
 * the entries already stored stay right and only the new indexes need building. Undefined when
 * the whole kind must be re-indexed.
 */
function addedSortedIndexes(storedFingerprint: unknown, specifications: readonly IndexSpecification[], indexes: KindIndexes): { added: KindIndexes; stored: readonly IndexSpecification[] } | undefined {
  if (typeof storedFingerprint !== 'string') return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(storedFingerprint);
  } catch {
    return undefined;
  }
  if (!Array.isArray(stored) || stored.length === 0 || stored.length >= specifications.length) return undefined;
  if (JSON.stringify(specifications.slice(0, stored.length)) !== storedFingerprint) return undefined;
  const addedIds = new Set(specifications.slice(stored.length).map((_, offset) => String(stored.length + offset)));
  if (indexes.text !== undefined && addedIds.has(indexes.text.id)) return undefined;
  return { added: { kind: indexes.kind, sorted: indexes.sorted.filter((definition) => addedIds.has(definition.id)), text: undefined }, stored: specifications.slice(0, stored.length) };
}

/** Documents put into added indexes per write transaction and event-loop turn (buildAddedIndexes). */
const BUILD_CHUNK = 1_000;
/** Wait before a background index build tries a failed chunk again. */
const BUILD_RETRY_MS = 1_000;
/** Documents re-indexed per write transaction when a kind's index set changed. */
const REINDEX_CHUNK = 5_000;
/** A text-index word narrows a search only when under 1/4 of the kind's documents hold it. */
const TEXT_NARROW_RATIO = 4;
/**
 * A word held by more documents than this and by over 1/TEXT_NARROW_RATIO of the kind loses its
 * postings for good ("projects", "com" in every name and email): they could never narrow a search,
 * and keeping them would be most of the index's writes. Its count is still kept.
 */
const SATURATED_WORD_COUNT = 4_096;

/**
 * The embedded ReadStore on LMDB, with everything on disk: queries are served from persistent
 * indexes, and memory does not grow with the number of documents (a byte-bounded cache of decoded
 * documents aside).
 *
 * Layout (one environment): `documents` (`kind/name` → live document and position), `tombstones`
 * (`kind/name` → position of the deletion, so a replayed older write stays a no-op), `index`
 * (sorted-index keys, indexKey.ts → name), `postings` and `vocabulary` (the text index: word +
 * name, and word → how many documents hold it), `changes` (`position/kind/name` → entry;
 * fixed-width positions make key order position order), `checkpoints`, `meta` (prune watermark,
 * entry count, per-kind document counts and index sets, multikey flags). `apply` is one write
 * transaction: documents, index entries, change log and checkpoint commit together.
 *
 * A query picks an access path (accessPath.ts), reads the documents it yields and tests each with
 * the kit's compiled filter, stopping at the limit when the path is in the sort's order.
 */
export class LmdbReadStore implements ReadStore {
  private readonly applied = new EventEmitter();
  private readonly feeds = new Set<AbortController>();
  private readonly retention: ChangeLogRetention;
  private readonly now: () => number;
  private readonly cache: DocumentCache;
  private readonly saturatedWordCount: number;
  private readonly smallPath: number | undefined;
  private readonly indexSpecifications: (kind: string) => readonly IndexSpecification[];
  /** Kinds whose stored index set was checked (and rebuilt if it differed) in this process. */
  private readonly kindIndexes = new Map<string, KindIndexes>();
  /** Per text index: its distinct words, once a search needed them (wordList.ts). */
  private readonly wordLists = new Map<string, WordList>();
  /** Per text index: the words whose postings are no longer kept (loaded from `meta` on first use). */
  private readonly saturated = new Map<string, Set<string>>();
  /** Multikey flags known to be stored (they are never cleared but by a re-index). */
  private readonly multikeyFlags = new Set<string>();
  /** Kinds whose added indexes are being built (buildAddedIndexes): the stored set, which queries read meanwhile. */
  private readonly building = new Map<string, KindIndexes>();
  /** The background builds started in this process, each resolved when done or given up. */
  private readonly builds = new Set<Promise<void>>();
  private closed = false;
  /** Whether the storage is full: set by a commit that found no space, cleared once one commits with room again. */
  private readonly storageFull: StorageFullLatch;
  /** Whether another process applies (LmdbReadStoreOptions.follow). */
  private readonly following: boolean;
  /**
   * A follower's reads: one LMDB read snapshot, moved to the newest commit only by `follow`, so
   * nothing a read returns is ahead of `head()` (empty for the writer, whose reads are its own).
   */
  private snapshot: { transaction?: Transaction } = {};
  private pinned: Transaction | undefined;
  private commitWatch: EnvironmentCommitWatch | undefined;

  private constructor(
    private readonly root: RootDatabase,
    private readonly documents: Database<DocumentRecord, string>,
    private readonly tombstones: Database<Position, string>,
    private readonly index: Database<string, Buffer>,
    private readonly postings: Database<string, Buffer>,
    private readonly vocabulary: Database<VocabularyEntry, Buffer>,
    private readonly changes: Database<ChangeLogEntry, string>,
    private readonly checkpoints: Database<Position, string>,
    private readonly meta: Database<number | string | boolean, string>,
    options: LmdbReadStoreOptions,
  ) {
    this.storageFull = new StorageFullLatch(options.path);
    this.retention = options.retention ?? {};
    this.now = options.now ?? Date.now;
    this.cache = new DocumentCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.saturatedWordCount = options.saturatedWordCount ?? SATURATED_WORD_COUNT;
    this.smallPath = options.smallPath;
    const indexes = options.indexes;
    this.indexSpecifications = typeof indexes === 'function' ? indexes : (kind) => indexes?.[kind] ?? [];
    this.applied.setMaxListeners(0);
    this.following = options.follow === true;
    if (this.following) {
      this.pin();
      this.commitWatch = watchEnvironmentCommits(options.path, () => {
        this.follow();
      });
    }
    this.visibleHead = this.headSync();
  }

  /** Follower: reads from now on see the newest commit. */
  private pin(): void {
    // Released first, so lmdb-js cannot hand the same snapshot back as the "new" one.
    this.pinned?.done();
    this.root.resetReadTxn();
    this.pinned = this.root.useReadTransaction();
    this.snapshot = { transaction: this.pinned };
  }

  /**
   * Follower: moves to the newest commit the writer made, and brings what this process keeps in
   * memory up to it — cached documents the entries since the last look touched are dropped, their
   * words join loaded word lists, saturated words and multikey flags are read again — before
   * change feeds are woken. Synchronous, so no read runs half before and half after.
   */
  private follow(): void {
    if (this.closed) return;
    this.pin();
    const head = this.headSync();
    if (head === this.visibleHead) return;
    const from = this.visibleHead;
    const entries = comparePositions(from, this.prunedThrough()) < 0 ? FOLLOW_ENTRIES_CAP + 1 : countUpTo(this.changes.getKeys({ start: `${from}0`, limit: FOLLOW_ENTRIES_CAP + 1, ...this.snapshot }));
    if (entries > FOLLOW_ENTRIES_CAP) {
      this.cache.clear();
      this.wordLists.clear();
    } else {
      for (const { value: entry } of this.changes.getRange({ start: `${from}0`, ...this.snapshot })) {
        this.cache.delete(documentKey(entry.kind, entry.name));
        const text = entry.after === null ? undefined : this.indexesOf(entry.kind).text;
        const list = text === undefined ? undefined : this.wordLists.get(`${text.kind}/${text.id}`);
        if (text === undefined || list === undefined || entry.after === null) continue;
        // Words new to this document; the list may hold them already (it tolerates repeats).
        const before = entry.before === null ? new Set<string>() : textWordsOf(text, entry.before);
        for (const word of textWordsOf(text, entry.after)) if (!before.has(word)) list.addUnchecked(word);
      }
    }
    this.saturated.clear();
    this.multikeyFlags.clear();
    this.visibleHead = head;
    this.applied.emit(APPLIED);
  }

  /** Whether `key` is stored, in the reads' snapshot (lmdb-js takes the options after a value argument). */
  private exists(db: Database<unknown, string> | Database<string, Buffer>, key: string | Buffer): boolean {
    return (db as unknown as SnapshotExistence).doesExist(key, undefined, this.snapshot);
  }

  /**
   * The head as of the last apply that finished. A commit becomes visible in LMDB a moment before
   * `apply` resumes; reads wait for an apply in that window (`settled`), so nothing a read returns
   * is ahead of `head()` — a watch snapshot (head, then query) would otherwise get a document
   * twice, from the query and from the change log after the head.
   */
  private visibleHead: Position;

  /** The apply between its commit starting and its bookkeeping, if one is. */
  private committing: Promise<unknown> | undefined;

  /** Waits until no apply is between commit and bookkeeping (LMDB then shows exactly `visibleHead`). */
  private async settled(): Promise<void> {
    while (this.committing !== undefined) await this.committing.catch(() => undefined);
  }

  /** Opens (creating if needed) the store in `options.path`. */
  static open(options: LmdbReadStoreOptions): LmdbReadStore {
    // No event-turn batching: a failed commit (disk full) would otherwise also reject a batch-start
    // promise of lmdb-js's own that nothing handles, ending the process (see the event store).
    const root = open({ path: options.path, maxDbs: 12, compression: false, eventTurnBatching: false });
    const documents = root.openDB<DocumentRecord, string>({ name: 'documents', ...LMDB_PLAIN_MSGPACK });
    const tombstones = root.openDB<Position, string>({ name: 'tombstones' });
    const index = root.openDB<string, Buffer>({ name: 'index', keyEncoding: 'binary' });
    const postings = root.openDB<string, Buffer>({ name: 'postings', keyEncoding: 'binary' });
    const vocabulary = root.openDB<VocabularyEntry, Buffer>({ name: 'vocabulary', keyEncoding: 'binary' });
    const changes = root.openDB<ChangeLogEntry, string>({ name: 'changes', ...LMDB_PLAIN_MSGPACK });
    const checkpoints = root.openDB<Position, string>({ name: 'checkpoints' });
    const meta = root.openDB<number | string | boolean, string>({ name: 'meta' });
    if (meta.get(KEY_FORMAT) !== CURRENT_KEY_FORMAT) {
      root.transactionSync(() => {
        // Format 2 kept tombstones in `documents`: clear it too (the projector replays).
        for (const db of [documents, tombstones, index, postings, vocabulary, changes, checkpoints, meta]) db.clearSync();
        meta.putSync(KEY_FORMAT, CURRENT_KEY_FORMAT);
      });
    }
    return new LmdbReadStore(root, documents, tombstones, index, postings, vocabulary, changes, checkpoints, meta, options);
  }

  async get(kind: string, name: string): Promise<StoredDocument | undefined> {
    this.assertOpen();
    await this.settled();
    const record = this.readDocument(documentKey(kind, name));
    return record === undefined ? undefined : { name, position: record.position, document: record.document };
  }

  async batchGet(kind: string, names: readonly string[]): Promise<BatchGetResult> {
    this.assertOpen();
    await this.settled();
    const found: StoredDocument[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const record = this.readDocument(documentKey(kind, name));
      if (record === undefined) missing.push(name);
      else found.push({ name, position: record.position, document: record.document });
    }
    return { found, missing };
  }

  async query(kind: string, options: QueryOptions = {}): Promise<QueryResult> {
    this.assertOpen();
    await this.settled();
    // From here on synchronous: no apply can finish in between, so the result is one state.
    const sort = normalizeSort(options.sort);
    const filter = compileFilter(options.filter);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const countAll = options.countTotal === true;
    // The filter is read for what indexes can use once, here, and handed to each step.
    const shape = filterShape(options.filter);
    let path = this.pathFor(kind, shape, sort, countAll || limit === Number.POSITIVE_INFINITY, options.phrase, options.seek, limit);
    const matches = (document: JsonObject): boolean => filter === undefined || filter.test(document);
    const probe = this.probeFor(kind, shape);
    let total = 0;
    if (isOrdered(path)) {
      const documents: StoredDocument[] = [];
      const fallback = path.type === 'names' ? undefined : path.fallback;
      // A quarter of what reading the fallback's matches whole costs, in the walk's steps.
      const budget = fallback === undefined ? Number.POSITIVE_INFINITY : Math.max(limit, Math.ceil((fallback.matches * (probe === undefined ? 1 : PROBE_STEPS_PER_READ)) / 4));
      const steps = { count: 0 };
      let gaveUp = false;
      for (const stored of this.walk(kind, path, probe, steps)) {
        if (steps.count > budget && documents.length < limit) {
          gaveUp = true;
          break;
        }
        if (!matches(stored.document)) continue;
        total += 1;
        if (documents.length < limit) documents.push(stored);
        else if (!countAll) break;
      }
      if (!gaveUp || fallback === undefined) return countAll ? { documents, totalCount: total } : { documents };
      // The walk's matches lie far along the order: the selective path's matches, read whole, cost less.
      path = fallback.path;
      total = 0;
    }
    const order = (left: StoredDocument, right: StoredDocument): number => compareBySort(sort, left, right);
    const kept: StoredDocument[] = [];
    const best = Number.isFinite(limit) ? new TopK<StoredDocument>(limit, order) : undefined;
    for (const stored of this.walk(kind, path, probe)) {
      if (!matches(stored.document)) continue;
      total += 1;
      if (best === undefined) kept.push(stored);
      else best.offer(stored);
    }
    const documents = best === undefined ? kept.sort(order) : best.sorted();
    return countAll ? { documents, totalCount: total } : { documents };
  }

  async count(kind: string, filter?: QueryFilter, options: CountOptions = {}): Promise<number> {
    this.assertOpen();
    await this.settled();
    const compiled = compileFilter(filter);
    if (compiled === undefined) return this.documentCount(kind);
    const shape = filterShape(filter);
    if (options.before !== undefined) {
      const before = this.countBefore(kind, shape, compiled, options.before, options.phrase);
      if (before !== undefined) return before;
    }
    const path = this.pathFor(kind, shape, normalizeSort(undefined), true, options.phrase, undefined);
    // A path that is exactly the filter is counted from its keys, without reading documents.
    if (path.exact && path.type === 'index') return this.countIndexKeys(path.ranges, Number.POSITIVE_INFINITY);
    if (path.exact && path.type === 'documents') return this.countDocuments(path.range, Number.POSITIVE_INFINITY);
    if (path.exact && path.type === 'names') return path.names.filter((name) => this.exists(this.documents, documentKey(kind, name))).length;
    // A filter on names alone (a wildcard parent) is decided on the keys, which are the names.
    if (path.type === 'documents' && mentionsOnlyName(filter)) {
      let counted = 0;
      const prefixLength = kind.length + 1;
      for (const key of this.documents.getKeys({ start: path.range.start, end: path.range.end, ...this.snapshot })) if (compiled.test({ name: key.slice(prefixLength) })) counted += 1;
      return counted;
    }
    let total = 0;
    for (const stored of this.walk(kind, path, this.probeFor(kind, shape))) if (compiled.test(stored.document)) total += 1;
    return total;
  }

  /**
   * A count of the documents before a boundary in a sort order (the filter holds that keyset
   * condition), read in that order from the start and stopped at the boundary; from index keys
   * alone when the keyset condition is the whole filter. Undefined when no path gives the order.
   */
  private countBefore(kind: string, filter: FilterShape, compiled: { test(document: unknown): boolean }, before: NonNullable<CountOptions['before']>, phrase: PhraseHint | undefined): number | undefined {
    const sort = normalizeSort(before.sort);
    if (before.values.length !== sort.length) return undefined;
    if (before.selection !== undefined) {
      const selected = this.countSelectedBefore(kind, before.selection, sort, before.values, phrase);
      if (selected !== undefined) return selected;
    }
    if (filter.clauseCount === 1) {
      const seeking = this.pathFor(kind, filter, sort, false, phrase, { values: before.values });
      const keys = this.keysBeforeSeek(kind, seeking);
      if (keys !== undefined) return keys;
    }
    const path = this.pathFor(kind, filter, sort, false, phrase, undefined);
    if (!isOrdered(path)) return undefined;
    const boundary: StoredDocument = { name: String(before.values[before.values.length - 1]), position: '', document: boundaryDocument(sort, before.values) };
    let total = 0;
    for (const stored of this.walk(kind, path, this.probeFor(kind, filter))) {
      if (compareBySort(sort, stored, boundary) >= 0) break;
      if (compiled.test(stored.document)) total += 1;
    }
    return total;
  }

  /**
   * What `selection` selects among the entries before the boundary's position in a walk of the
   * sort's order (every one of them is before the boundary: the walk is the order): tested on the
   * names alone when the selection mentions nothing else (a wildcard parent), else on the documents.
   * Undefined when no ordered walk of one range seeks to the boundary.
   */
  private countSelectedBefore(kind: string, selection: QueryFilter, sort: readonly SortKey[], values: readonly unknown[], phrase: PhraseHint | undefined): number | undefined {
    const shape = filterShape(selection);
    const path = this.pathFor(kind, shape, sort, false, phrase, { values });
    const names = this.namesBeforeSeek(kind, path);
    if (names === undefined) return undefined;
    const compiled = compileFilter(selection);
    let counted = 0;
    if (compiled === undefined || mentionsOnlyName(selection)) {
      for (const name of names) if (compiled === undefined || compiled.test({ name })) counted += 1;
      return counted;
    }
    const probe = this.probeFor(kind, shape);
    for (const name of names) {
      if (probe !== undefined && !probe(name)) continue;
      const record = this.readDocument(documentKey(kind, name));
      if (record !== undefined && compiled.test(record.document)) counted += 1;
    }
    return counted;
  }

  /** The names an ordered walk of one range passes before its seek key (in key order); undefined for other paths. */
  private namesBeforeSeek(kind: string, path: AccessPath): Iterable<string> | undefined {
    if (path.type === 'documents' && path.ordered && path.seekName !== undefined) {
      const boundary = documentKey(kind, path.seekName);
      if (boundary < path.range.start || boundary >= path.range.end) return undefined;
      const prefixLength = kind.length + 1;
      const keys = path.reverse ? this.documents.getKeys({ start: path.range.end, end: boundary, reverse: true, ...this.snapshot }) : this.documents.getKeys({ start: path.range.start, end: boundary, ...this.snapshot });
      return keys.filter((key) => key !== path.range.end).map((key) => key.slice(prefixLength));
    }
    const ranges = this.indexRangesBeforeSeek(path);
    return ranges === undefined ? undefined : namesInRanges(this.index, ranges, this.snapshot);
  }

  /** The index ranges holding what an ordered walk of one range passes before its seek key (rangesBeforeSeek); undefined for other paths. */
  private indexRangesBeforeSeek(path: AccessPath): KeyRange[] | undefined {
    if (path.type !== 'index' || !path.ordered || path.seek === undefined || path.ranges.length !== 1) return undefined;
    const range = path.ranges[0] as KeyRange;
    if (Buffer.compare(path.seek, range.start) < 0 || Buffer.compare(path.seek, range.end) >= 0) return undefined;
    return rangesBeforeSeek(range, path.seek, path);
  }

  /** Entries of a whole-kind ordered walk before its seek key, counted from keys; undefined for other paths. */
  private keysBeforeSeek(kind: string, path: AccessPath): number | undefined {
    if (path.type === 'documents' && path.ordered && path.seekName !== undefined && path.range.start === kindRange(kind).start) {
      const boundary = documentKey(kind, path.seekName);
      if (!path.reverse) return this.documents.getKeysCount({ start: path.range.start, end: boundary, ...this.snapshot });
      return this.documents.getKeysCount({ start: boundary, end: path.range.end, ...this.snapshot }) - (this.exists(this.documents, boundary) ? 1 : 0);
    }
    const ranges = this.indexRangesBeforeSeek(path);
    if (ranges !== undefined) return ranges.reduce((total, range) => total + this.index.getKeysCount({ start: range.start, end: range.end, ...this.snapshot }), 0);
    return undefined;
  }

  /** Why applies currently fail for lack of storage (the last apply found no space), if they do. */
  storageProblem(): string | undefined {
    return this.storageFull.problem();
  }

  async apply(batch: ApplyBatch): Promise<ApplyResult> {
    this.assertOpen();
    if (this.following) throw new KeystreamError('FAILED_PRECONDITION', 'this process follows the read store another keystream process (the projector) writes; it cannot apply');
    validateBatch(batch);
    // Index sets are checked before the transaction (a rebuild commits on its own).
    for (const write of batch.writes) this.indexesOf(write.kind);
    const recordedAt = this.now();
    let outcome: ApplyOutcome;
    const commit = this.root.transaction(() => this.applyInTransaction(batch, recordedAt));
    this.committing = commit;
    try {
      outcome = await commit;
    } catch (error) {
      if (this.committing === commit) this.committing = undefined;
      // Nothing of the batch was committed (LMDB aborts the whole transaction); the projector retries it.
      const noSpace = await noSpaceCauseOf(error);
      if (noSpace === undefined) throw error;
      this.storageFull.noteNoSpace(noSpace);
      throw storageExhausted('read store', noSpace);
    }
    this.storageFull.noteCommitted();
    for (const [key, state] of outcome.finalStates) {
      // Cached documents follow the commit; others are read from LMDB when asked for.
      if (state.document === null) this.cache.delete(key);
      else if (this.cache.has(key)) this.cache.set(key, { position: state.position, document: state.document });
    }
    if (outcome.entries.length > 0 || outcome.pruned) this.visibleHead = this.headSync();
    // Cleared only together with the head: a reader woken by it sees both.
    if (this.committing === commit) this.committing = undefined;
    if (outcome.entries.length > 0 || outcome.pruned) this.applied.emit(APPLIED);
    return { applied: outcome.applied, skipped: outcome.skipped };
  }

  /** Runs inside the write transaction. Reads and decisions first; it must not throw once writing. */
  private applyInTransaction(batch: ApplyBatch, recordedAt: number): ApplyOutcome {
    const entries: ChangeLogEntry[] = [];
    const original = new Map<string, { kind: string; name: string; state: DocumentState | undefined }>();
    const pending = new Map<string, DocumentState>();
    let silent = 0;
    let skipped = 0;
    for (const write of batch.writes) {
      const key = documentKey(write.kind, write.name);
      if (!original.has(key)) original.set(key, { kind: write.kind, name: write.name, state: this.storedState(key) });
      const current = pending.get(key) ?? original.get(key)?.state;
      if (current !== undefined && comparePositions(write.position, current.position) <= 0) {
        skipped += 1;
        continue;
      }
      const after = write.op === 'put' ? write.document : null;
      const before = current?.document ?? null;
      pending.set(key, { position: write.position, document: after });
      if (before === null && after === null) silent += 1;
      else entries.push({ position: write.position, kind: write.kind, name: write.name, before, after, recordedAt });
    }
    const tally = new IndexTally();
    for (const [key, state] of pending) {
      const { kind, name, state: was } = original.get(key) as { kind: string; name: string; state: DocumentState | undefined };
      if (state.document === null) {
        this.documents.removeSync(key);
        this.tombstones.putSync(key, state.position);
      } else {
        this.documents.putSync(key, { position: state.position, document: state.document });
        if (was !== undefined && was.document === null) this.tombstones.removeSync(key);
      }
      this.reindexDocument(this.indexesOf(kind), name, was?.document ?? null, state.document, tally);
      tally.count(kind, name, (state.document === null ? 0 : 1) - (was?.document == null ? 0 : 1));
    }
    this.writeTally(tally);
    for (const entry of entries) this.changes.putSync(changeKey(entry.position, entry.kind, entry.name), entry);
    if (batch.checkpoint !== undefined) this.checkpoints.putSync(batch.checkpoint.projector, batch.checkpoint.position);
    const count = this.storedChangeCount() + entries.length;
    const pruned = this.pruneInTransaction(count, recordedAt);
    return { entries, finalStates: pending, applied: entries.length + silent, skipped, pruned };
  }

  /** A document's stored state: live, a tombstone, or undefined when never written. */
  private storedState(key: string): DocumentState | undefined {
    const record = this.documents.get(key);
    if (record !== undefined) return record;
    const deletedAt = this.tombstones.get(key);
    return deletedAt === undefined ? undefined : { position: deletedAt, document: null };
  }

  /** Moves a document's index entries from its old version to its new one (inside a write transaction). */
  private reindexDocument(indexes: KindIndexes, name: string, before: JsonObject | null, after: JsonObject | null, tally: IndexTally): void {
    const nameKey = stringComponent(name);
    for (const definition of indexes.sorted) {
      const old = before === null ? [] : sortedEntriesOf(definition, name, before, nameKey).entries;
      const next = after === null ? { entries: [], multikey: false } : sortedEntriesOf(definition, name, after, nameKey);
      for (const entry of entriesNotIn(old, next.entries)) this.index.removeSync(entry.key);
      for (const entry of entriesNotIn(next.entries, old)) this.index.putSync(entry.key, name);
      if (next.multikey) tally.multikey.add(multikeyKey(indexes.kind, definition));
    }
    const text = indexes.text;
    if (text === undefined) return;
    const oldWords = before === null ? new Set<string>() : textWordsOf(text, before);
    const newWords = after === null ? new Set<string>() : textWordsOf(text, after);
    const saturated = this.saturatedWords(text);
    // The word's prefix is made once per word and batch (by the tally).
    const postingOf = (word: string): Buffer => postingKey(tally.word(text, word, 0), nameKey);
    for (const word of oldWords) {
      if (newWords.has(word)) continue;
      if (!saturated.has(word)) this.postings.removeSync(postingOf(word));
      tally.word(text, word, -1);
    }
    for (const word of newWords) {
      if (oldWords.has(word)) continue;
      if (!saturated.has(word)) this.postings.putSync(postingOf(word), name);
      tally.word(text, word, 1);
    }
  }

  /** The words of a text index too common to keep postings for (see SATURATED_WORD_COUNT). */
  private saturatedWords(text: TextIndexDefinition): Set<string> {
    const id = `${text.kind}/${text.id}`;
    let words = this.saturated.get(id);
    if (words === undefined) {
      words = new Set();
      const prefix = `saturated/${id}/`;
      for (const key of this.meta.getKeys({ start: prefix, end: `saturated/${id}0`, ...this.snapshot })) words.add(key.slice(prefix.length));
      this.saturated.set(id, words);
    }
    return words;
  }

  /** Writes what a batch changed in counts, word counts and multikey flags: once per key, not per document. */
  private writeTally(tally: IndexTally): void {
    for (const { text, key, word, delta } of tally.words.values()) {
      if (delta === 0) continue;
      const stored = this.vocabulary.get(key);
      const count = (stored?.[1] ?? 0) + delta;
      let saturated = stored?.[2] === true;
      if (!saturated && count > this.saturatedWordCount && count * TEXT_NARROW_RATIO > this.documentCount(text.kind) + (tally.counts.get(text.kind) ?? 0)) {
        // Under so many documents the word can never narrow a search: stop keeping its postings.
        saturated = true;
        const prefix = wordPrefix(text, word);
        for (const postingKey of [...this.postings.getKeys({ start: prefix, end: afterPrefix(prefix) })]) this.postings.removeSync(postingKey);
        this.meta.putSync(saturatedKey(text, word), true);
        this.saturatedWords(text).add(word);
      }
      if (count > 0) this.vocabulary.putSync(key, saturated ? [word, count, true] : [word, count]);
      else this.vocabulary.removeSync(key);
      // A loaded word list follows words in and out (a word listed by an aborted commit is only extra).
      const list = this.wordLists.get(`${text.kind}/${text.id}`);
      if (stored === undefined && count > 0) list?.add(word);
      else if (stored !== undefined && count <= 0) list?.remove();
    }
    for (const [kind, delta] of tally.counts) if (delta !== 0) this.meta.putSync(countKey(kind), this.documentCount(kind) + delta);
    for (const [key, delta] of tally.segmentCounts) {
      const count = this.storedCount(key) + delta;
      if (count > 0) this.meta.putSync(key, count);
      else this.meta.removeSync(key);
    }
    for (const key of tally.multikey) {
      if (this.multikeyFlags.has(key)) continue;
      if (this.meta.get(key) !== true) this.meta.putSync(key, true);
      this.multikeyFlags.add(key);
    }
  }

  /**
   * The kind's index definitions. The first use in a process compares them with the set the
   * stored entries were made for and, if they differ (or a rebuild was cut short), re-indexes the
   * kind in chunks of write transactions; the set is recorded only once every chunk committed.
   */
  private indexesOf(kind: string): KindIndexes {
    const known = this.kindIndexes.get(kind);
    if (known !== undefined) return known;
    const specifications = this.indexSpecifications(kind);
    const indexes = kindIndexesOf(kind, specifications);
    const fingerprint = JSON.stringify(specifications);
    const storedFingerprint = this.meta.get(indexSetKey(kind), this.snapshot);
    if (storedFingerprint !== fingerprint && !(storedFingerprint === undefined && this.documentCount(kind) === 0 && specifications.length === 0)) {
      const growth = addedSortedIndexes(storedFingerprint, specifications, indexes);
      // A follower leaves indexing to the writer and reads with the stored set (or in name order
      // when the set changed otherwise) until it is done; asked again at its next use.
      if (this.following) return kindIndexesOf(kind, growth?.stored ?? []);
      if (growth !== undefined) this.buildAddedIndexes(kind, growth.added, kindIndexesOf(kind, growth.stored), fingerprint);
      else this.reindexKind(kind, indexes, fingerprint);
    }
    this.kindIndexes.set(kind, indexes);
    return indexes;
  }

  /**
   * Resolves once the indexes being built in the background (buildAddedIndexes) are complete, or
   * given up by a close. For tools and tests; queries never need it (they read what is complete).
   */
  async indexBuilds(): Promise<void> {
    await Promise.all([...this.builds]);
  }

  /**
   * The indexes a query may read: the kind's, or the stored set while indexes added to it are
   * still being built (writes already maintain them; reads wait until every document is in).
   */
  private readableIndexesOf(kind: string): KindIndexes {
    const indexes = this.indexesOf(kind);
    return this.building.get(kind) ?? indexes;
  }

  /**
   * Builds indexes added at the end of a kind's stored set in the background, a chunk of documents
   * per event-loop turn, so a large store upgrades without stalling its process: meanwhile applies
   * write the new indexes' entries (so a document written during the build is right either way:
   * a put repeats harmlessly, a removal of a key not there yet does nothing) and queries read
   * the stored set. The new set is recorded once the last chunk committed; a build cut short (a
   * close, a failure) leaves the old set recorded and starts over at the next open.
   */
  private buildAddedIndexes(kind: string, added: KindIndexes, stored: KindIndexes, fingerprint: string): void {
    this.building.set(kind, stored);
    let finished!: () => void;
    this.builds.add(new Promise<void>((resolve) => (finished = resolve)));
    let after: string | undefined;
    // Commits are awaited, not made synchronously: the event loop goes on while a chunk is flushed.
    const step = async (): Promise<void> => {
      if (this.isClosed()) {
        finished();
        return;
      }
      try {
        const last = await this.root.transaction((): string | undefined => {
          const chunk = this.indexChunk(kind, added, after, BUILD_CHUNK);
          if (chunk === undefined) this.meta.putSync(indexSetKey(kind), fingerprint);
          return chunk?.last;
        });
        if (last === undefined) {
          this.building.delete(kind);
          finished();
          return;
        }
        // Moved on only once the chunk committed: a failed commit is tried again from the same place.
        after = last;
        setImmediate(next);
      } catch {
        // Queries keep the stored set; the chunk is tried again a little later (a full disk may clear).
        if (this.isClosed()) finished();
        else setTimeout(next, BUILD_RETRY_MS).unref();
      }
    };
    const next = (): void => void step();
    setImmediate(next);
  }

  private reindexKind(kind: string, indexes: KindIndexes, fingerprint: string): void {
    const prefix = stringComponent(kind);
    this.root.transactionSync(() => {
      for (const db of [this.index, this.postings, this.vocabulary]) for (const key of [...db.getKeys({ start: prefix, end: afterPrefix(prefix) })]) db.removeSync(key);
      for (const key of [...this.meta.getKeys({ start: `saturated/${kind}/`, end: `saturated/${kind}0` })]) this.meta.removeSync(key);
      for (const id of [...this.saturated.keys()]) if (id.startsWith(`${kind}/`)) this.saturated.delete(id);
      for (const id of [...this.wordLists.keys()]) if (id.startsWith(`${kind}/`)) this.wordLists.delete(id);
      for (const { key } of this.meta.getRange({ start: `multikey/${kind}/`, end: `multikey/${kind}0` })) {
        this.meta.removeSync(key);
        this.multikeyFlags.delete(key);
      }
      this.meta.removeSync(indexSetKey(kind));
    });
    // Every document back into every index, in chunks of write transactions; the set is recorded
    // once all committed (a run cut short leaves it unrecorded and runs again).
    let after: string | undefined;
    let live = 0;
    for (;;) {
      const chunk = this.root.transactionSync(() => this.indexChunk(kind, indexes, after, REINDEX_CHUNK));
      if (chunk === undefined) break;
      live += chunk.documents;
      after = chunk.last;
    }
    this.root.transactionSync(() => {
      this.meta.putSync(countKey(kind), live);
      this.meta.putSync(indexSetKey(kind), fingerprint);
    });
  }

  /**
   * Inside a write transaction: puts the next `size` documents of the kind after the name key
   * `after` into `indexes`, reading them in that same transaction (an apply can then not change
   * one between the read and the write, which would leave a stale entry). Undefined when none is
   * left; else how many and the last one's key, where the next chunk starts.
   */
  private indexChunk(kind: string, indexes: KindIndexes, after: string | undefined, size: number): { documents: number; last: string } | undefined {
    const range = kindRange(kind);
    const chunk = [...this.documents.getRange({ start: after ?? range.start, end: range.end, limit: size + 1 })].filter(({ key }) => key !== after);
    const last = chunk[chunk.length - 1];
    if (last === undefined) return undefined;
    const tally = new IndexTally();
    for (const { key, value } of chunk) this.reindexDocument(indexes, key.slice(kind.length + 1), null, value.document, tally);
    tally.counts.clear();
    this.writeTally(tally);
    return { documents: chunk.length, last: last.key };
  }

  /** The access path of a query: a text-index candidate set when a phrase or LIKE narrows enough, else the planner's choice. */
  private pathFor(kind: string, filter: FilterShape, sort: readonly SortKey[], countAll: boolean, phrase: PhraseHint | undefined, seek: SeekBoundary | undefined, limit?: number): AccessPath {
    const indexes = this.readableIndexesOf(kind);
    const text = indexes.text;
    if (text !== undefined) {
      const narrowed = this.textCandidates(kind, text, filter, phrase);
      if (narrowed !== undefined && (narrowed.size < SMALL_PATH || countAll)) return { type: 'names', names: [...narrowed], exact: false };
    }
    const context: PlanContext = {
      kind,
      indexes,
      isMultikey: (definition) => this.multikeyFlags.has(multikeyKey(kind, definition)) || this.meta.get(multikeyKey(kind, definition), this.snapshot) === true,
      countIndexKeys: (ranges, cap) => this.countIndexKeys(ranges, cap),
      countDocuments: (range, cap) => this.countDocuments(range, cap),
      soleFirstComponent: (definition, range) => this.soleFirstComponent(definition, range),
      documentCount: () => this.documentCount(kind),
      ...(this.smallPath === undefined ? {} : { smallPath: this.smallPath }),
      walkProbes: () => this.probeFor(kind, filter) !== undefined,
    };
    return choosePath(context, filter, sort, countAll, seek, limit);
  }

  /** See PlanContext.soleFirstComponent: two single-key reads, at each end of the range. */
  private soleFirstComponent(definition: SortedIndexDefinition, range: KeyRange): Buffer | undefined {
    const firstOf = (reverse: boolean): Buffer | undefined => {
      for (const key of this.index.getKeys({ start: reverse ? range.end : range.start, end: reverse ? range.start : range.end, reverse, limit: 1, ...this.snapshot })) {
        return ascendingComponentAt(key, definition.prefix.length);
      }
      return undefined;
    };
    const first = firstOf(false);
    const last = first === undefined ? undefined : firstOf(true);
    return first !== undefined && last !== undefined && first.equals(last) ? first : undefined;
  }

  /**
   * Names of the documents that can hold a search phrase (or a LIKE's literal text on a text
   * field), from the text index; undefined when the index would not narrow.
   */
  private textCandidates(kind: string, text: TextIndexDefinition, filter: FilterShape, phrase: PhraseHint | undefined): Set<string> | undefined {
    // Each: the whole words (a word of every matching text) and the words inside a matching text's words.
    const lookups: { whole: string[]; inside: string[] }[] = [];
    if (phrase !== undefined && phrase.fields.every((field) => text.fields.includes(field))) lookups.push({ whole: wholeWordsOf(phrase.text), inside: wordsOf(phrase.text) });
    for (const condition of filter.conditions) {
      if (condition.type !== 'like' || !text.fields.includes(condition.path)) continue;
      // A LIKE's literal runs are pieces of the value: whole words only between spaces inside one run.
      const { runs } = condition.shape;
      lookups.push({ whole: runs.flatMap((run) => wholeWordsOf(run)), inside: runs.flatMap((run) => wordsOf(run)) });
    }
    let best: Set<string> | undefined;
    for (const lookup of lookups) {
      const names = this.phraseCandidates(kind, text, lookup);
      if (names !== undefined && (best === undefined || names.size < best.size)) best = names;
    }
    return best;
  }

  /**
   * Every word of a phrase lies inside one word of a matching text, and its whole words (between
   * spaces) are words of it. So: a whole word's postings when there is one (the rarest); else the
   * postings of the indexed words containing the phrase's rarest word (the vocabulary is read,
   * not the documents). Undefined when even that would be over a quarter of the kind.
   */
  private phraseCandidates(kind: string, text: TextIndexDefinition, lookup: { whole: readonly string[]; inside: readonly string[] }): Set<string> | undefined {
    // As the index keeps them: a whole word too long for a key is looked up by its cut.
    const whole = [...new Set(lookup.whole.map((word) => keptAsKeyPart(word.toLowerCase())))];
    const documents = this.documentCount(kind);
    const tooMany = (count: number): boolean => count > SMALL_PATH && count * TEXT_NARROW_RATIO > documents;
    if (whole.length > 0) {
      const saturated = this.saturatedWords(text);
      const counted = whole
        .map((word) => ({ word, count: saturated.has(word) ? Number.POSITIVE_INFINITY : (this.vocabulary.get(wordPrefix(text, word), this.snapshot)?.[1] ?? 0) }))
        .sort((left, right) => left.count - right.count);
      const rarest = counted[0] as { word: string; count: number };
      if (tooMany(rarest.count)) return undefined;
      return new Set(this.postingsOf(text, [rarest.word]));
    }
    const words = [...new Set(lookup.inside)];
    if (words.length === 0) return undefined;
    // Per phrase word: the indexed words containing it (from the in-memory word list) and how
    // many documents they hold, given up as soon as that is too many to narrow.
    const list = this.wordListOf(text);
    let rarest: { indexed: string[]; count: number } | undefined;
    for (const word of words) {
      const indexed: string[] = [];
      let count = 0;
      for (const candidate of list.containing(word)) {
        const entry = this.vocabulary.get(wordPrefix(text, candidate), this.snapshot);
        if (entry === undefined) continue;
        // A saturated word has no postings: a phrase word inside it cannot narrow.
        count += entry[2] === true ? Number.POSITIVE_INFINITY : entry[1];
        if (tooMany(count) || (rarest !== undefined && count >= rarest.count)) break;
        indexed.push(candidate);
      }
      if (!tooMany(count) && (rarest === undefined || count < rarest.count)) rarest = { indexed, count };
    }
    if (rarest === undefined) return undefined;
    return new Set(this.postingsOf(text, rarest.indexed));
  }

  /** The text index's distinct words in memory, read from the vocabulary's keys on first use (or when stale). */
  private wordListOf(text: TextIndexDefinition): WordList {
    const id = `${text.kind}/${text.id}`;
    const known = this.wordLists.get(id);
    if (known !== undefined && !known.stale) return known;
    // A vocabulary key is the index prefix, the string rank byte, the word's UTF-8 (letters and
    // digits: nothing escaped) and the component's end.
    const list = WordList.of(mapIterable(this.vocabulary.getKeys({ start: text.prefix, end: afterPrefix(text.prefix), ...this.snapshot }), (key) => key.subarray(text.prefix.length + 1, key.length - 1).toString('utf8')));
    this.wordLists.set(id, list);
    return list;
  }

  private *postingsOf(text: TextIndexDefinition, words: readonly string[]): Generator<string> {
    for (const word of words) {
      const prefix = wordPrefix(text, word);
      for (const { value } of this.postings.getRange({ start: prefix, end: afterPrefix(prefix), ...this.snapshot })) yield value;
    }
  }

  /**
   * The documents a path yields, in its order (names looked up are yielded as found); `steps`
   * counts the entries examined (probed or read), yielded or not.
   */
  private *walk(kind: string, path: AccessPath, probe?: (name: string) => boolean, steps?: { count: number }): Generator<StoredDocument> {
    if (path.type === 'names') {
      for (const name of path.names) {
        if (probe !== undefined && !probe(name)) continue;
        const record = this.documents.get(documentKey(kind, name), this.snapshot);
        if (record !== undefined) yield { name, position: record.position, document: record.document };
      }
      return;
    }
    if (path.type === 'documents') {
      const prefixLength = kind.length + 1;
      const seekKey = path.seekName === undefined ? undefined : documentKey(kind, path.seekName);
      const inRange = seekKey !== undefined && seekKey >= path.range.start && seekKey < path.range.end;
      const options = path.reverse ? { start: inRange ? seekKey : path.range.end, end: path.range.start, reverse: true } : { start: inRange ? seekKey : path.range.start, end: path.range.end };
      for (const { key, value } of this.documents.getRange({ ...options, ...this.snapshot })) {
        if (path.reverse && key === path.range.end) continue;
        if (steps !== undefined) steps.count += 1;
        yield { name: key.slice(prefixLength), position: value.position, document: value.document };
      }
      // A reverse range excludes its lower end, which is a document when the prefix is a whole name.
      const first = path.reverse ? this.documents.get(path.range.start, this.snapshot) : undefined;
      if (first !== undefined) yield { name: path.range.start.slice(prefixLength), position: first.position, document: first.document };
      return;
    }
    const seen = path.mayRepeat ? new Set<string>() : undefined;
    const ranges = path.reverse ? [...path.ranges].reverse() : path.ranges;
    for (const range of ranges) {
      for (const name of indexNamesInOrder(this.index, range, path, path.seek, this.snapshot)) {
        if (seen !== undefined) {
          if (seen.has(name)) continue;
          seen.add(name);
        }
        if (steps !== undefined) steps.count += 1;
        if (probe !== undefined && !probe(name)) continue;
        const record = this.documents.get(documentKey(kind, name), this.snapshot);
        if (record !== undefined) yield { name, position: record.position, document: record.document };
      }
    }
  }

  /**
   * A test on names that rejects documents an equality of the filter excludes, from the index
   * keys of that equality (a key lookup instead of reading and decoding the document). Never
   * rejects a match: every document equal to a value has that value's key in a single-field index.
   */
  private probeFor(kind: string, filter: FilterShape): ((name: string) => boolean) | undefined {
    const indexes = this.readableIndexesOf(kind);
    const probes: Buffer[][] = [];
    for (const condition of filter.conditions) {
      if (condition.type !== 'in' || condition.values.some(isCutInKey)) continue;
      const index = indexes.sorted.find((candidate) => candidate.fields.length === 1 && candidate.fields[0]?.[0] === condition.path);
      if (index === undefined) continue;
      const direction = (index.fields[0] as SortKey)[1];
      probes.push(condition.values.map((value) => Buffer.concat([index.prefix, indexKey([[value, direction]])])));
    }
    if (probes.length === 0) return undefined;
    return (name) => {
      const nameBytes = stringComponent(name);
      return probes.every((prefixes) => prefixes.some((prefix) => this.exists(this.index, Buffer.concat([prefix, nameBytes]))));
    };
  }

  private countIndexKeys(ranges: readonly KeyRange[], cap: number): number {
    let total = 0;
    for (const range of ranges) {
      total += Number.isFinite(cap) ? countUpTo(this.index.getKeys({ start: range.start, end: range.end, limit: cap - total, ...this.snapshot })) : this.index.getKeysCount({ start: range.start, end: range.end, ...this.snapshot });
      if (total >= cap) break;
    }
    return total;
  }

  private countDocuments(range: NameRange, cap: number): number {
    // The names under one first segment (`RoleBinding/projects/…`, a wildcard parent) are counted by every apply.
    const segment = firstSegmentCountKey(range);
    if (segment !== undefined) return Math.min(cap, this.storedCount(segment));
    return Number.isFinite(cap) ? countUpTo(this.documents.getKeys({ start: range.start, end: range.end, limit: cap, ...this.snapshot })) : this.documents.getKeysCount({ start: range.start, end: range.end, ...this.snapshot });
  }

  /** Live documents of a kind (kept in `meta` by every apply). */
  private documentCount(kind: string): number {
    return this.storedCount(countKey(kind));
  }

  /** A count kept in `meta` (0 when absent). */
  private storedCount(key: string): number {
    const value = this.meta.get(key, this.snapshot);
    return typeof value === 'number' ? value : 0;
  }

  /** A live document, from the cache or LMDB (then cached). */
  private readDocument(key: string): DocumentRecord | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const record = this.documents.get(key, this.snapshot);
    if (record !== undefined) this.cache.set(key, record);
    return record;
  }

  /** Deletes the oldest entries beyond the retention limits, advancing the prune watermark. */
  private pruneInTransaction(count: number, now: number): boolean {
    const { maxEntries, maxAgeMs } = this.retention;
    let remaining = count;
    let watermark: Position | undefined;
    const excess = maxEntries === undefined ? 0 : Math.max(0, remaining - maxEntries);
    const cutoff = maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : now - maxAgeMs;
    if (excess > 0 || maxAgeMs !== undefined) {
      let removed = 0;
      for (const { key, value } of this.changes.getRange({})) {
        if (removed >= excess && value.recordedAt >= cutoff) break;
        this.changes.removeSync(key);
        removed += 1;
        remaining -= 1;
        watermark = value.position;
      }
    }
    this.meta.putSync(CHANGE_COUNT, remaining);
    if (watermark !== undefined) this.meta.putSync(PRUNED_THROUGH, watermark);
    return watermark !== undefined;
  }

  checkpoint(projector: string): Promise<Position | undefined> {
    this.assertOpen();
    if (this.following) this.follow();
    return Promise.resolve(this.checkpoints.get(projector, this.snapshot));
  }

  head(): Promise<Position> {
    this.assertOpen();
    // A follower looks for newer commits first: a head read after a query is never behind it.
    if (this.following) this.follow();
    return Promise.resolve(this.visibleHead);
  }

  changesSince(position: Position): ChangeFeed {
    this.assertOpen();
    return openChangeFeed(this.feeds, (abort) => this.feed(position, abort));
  }

  private async *feed(from: Position, abort: AbortController): AsyncGenerator<readonly ChangeLogEntry[]> {
    let cursor = from;
    try {
      while (!abort.signal.aborted) {
        const prunedThrough = this.prunedThrough();
        if (comparePositions(cursor, prunedThrough) < 0) throw new ChangeLogExpiredError(cursor, prunedThrough);
        const batch = this.readChangesAfter(cursor);
        const last = batch[batch.length - 1];
        if (last === undefined) {
          await this.waitForApply(abort.signal);
          continue;
        }
        cursor = last.position;
        yield batch;
      }
    } finally {
      this.feeds.delete(abort);
    }
  }

  /** Entries after `cursor`: about one page, extended so one position's entries stay together. */
  private readChangesAfter(cursor: Position): ChangeLogEntry[] {
    const result: ChangeLogEntry[] = [];
    // '0' sorts after the '/' that ends every key of `cursor` and before any later position.
    for (const { value } of this.changes.getRange({ start: `${cursor}0`, ...this.snapshot })) {
      const last = result[result.length - 1];
      if (result.length >= FEED_PAGE && last !== undefined && last.position !== value.position) break;
      result.push(value);
    }
    return result;
  }

  /** Resolves on the next committed apply, or when the feed or store closes. */
  private waitForApply(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.applied.off(APPLIED, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.applied.on(APPLIED, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.commitWatch?.close();
    this.pinned?.done();
    for (const feed of this.feeds) feed.abort();
    this.feeds.clear();
    this.cache.clear();
    await this.root.close();
  }

  private headSync(): Position {
    let newest: Position = '';
    for (const { value } of this.changes.getRange({ reverse: true, limit: 1, ...this.snapshot })) newest = value.position;
    const pruned = this.prunedThrough();
    return comparePositions(newest, pruned) >= 0 ? newest : pruned;
  }

  private prunedThrough(): Position {
    const value = this.meta.get(PRUNED_THROUGH, this.snapshot);
    return typeof value === 'string' ? value : '';
  }

  private storedChangeCount(): number {
    const value = this.meta.get(CHANGE_COUNT, this.snapshot);
    return typeof value === 'number' ? value : 0;
  }

  /** A method, not a getter, so the compiler does not assume it unchanged across awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new KeystreamError('FAILED_PRECONDITION', 'the read store is closed');
  }
}

interface ApplyOutcome {
  readonly entries: readonly ChangeLogEntry[];
  /** Each written document's state after the batch, by document key. */
  readonly finalStates: ReadonlyMap<string, DocumentState>;
  readonly applied: number;
  readonly skipped: number;
  readonly pruned: boolean;
}

/** lmdb-js's `doesExist` with read options: an undefined value asks whether the key is there at all. */
interface SnapshotExistence {
  doesExist(key: string | Buffer, value: undefined, options: { transaction?: Transaction }): boolean;
}

function documentKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

function changeKey(position: Position, kind: string, name: string): string {
  return `${position}/${kind}/${name}`;
}

/** A compiled filter: mingo for the general case, Set lookups for large `$in` lists (setMembershipFilter.ts). */
function compileFilter(filter: QueryFilter | undefined): { test(document: unknown): boolean } | undefined {
  if (filter === undefined || Object.keys(filter).length === 0) return undefined;
  const { sets, rest } = splitSetConditions(filter);
  let query: Query | undefined;
  try {
    query = rest === undefined ? undefined : filterQuery(rest);
  } catch (error) {
    throw new KeystreamError('INVALID_ARGUMENT', `filter ${JSON.stringify(filter)} is not a valid MongoDB query: ${error instanceof Error ? error.message : String(error)}`, [], { cause: error });
  }
  if (sets.length === 0) return query;
  return { test: (document) => meetsSetConditions(document, sets) && (query === undefined || query.test(document as Record<string, unknown>)) };
}

/** Opens the embedded LMDB read store. */
export function openLmdbReadStore(options: LmdbReadStoreOptions): LmdbReadStore {
  return LmdbReadStore.open(options);
}

/** What one transaction changes in per-kind counts, text-index word counts and multikey flags. */
class IndexTally {
  readonly counts = new Map<string, number>();
  /** Deltas of the counts per kind and first name segment, by their `meta` key. */
  readonly segmentCounts = new Map<string, number>();
  readonly words = new Map<string, { text: TextIndexDefinition; key: Buffer; word: string; delta: number }>();
  readonly multikey = new Set<string>();

  count(kind: string, name: string, delta: number): void {
    if (delta === 0) return;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + delta);
    const key = segmentCountKey(kind, name);
    if (key !== undefined) this.segmentCounts.set(key, (this.segmentCounts.get(key) ?? 0) + delta);
  }

  /**
   * Adds `delta` to a word's count in this batch and answers the word's key prefix (its vocabulary
   * key, which its postings extend), made once per word and batch.
   */
  word(text: TextIndexDefinition, word: string, delta: -1 | 0 | 1): Buffer {
    const id = `${text.kind}\u0000${text.id}\u0000${word}`;
    const entry = this.words.get(id);
    if (entry !== undefined) {
      entry.delta += delta;
      return entry.key;
    }
    const key = wordPrefix(text, word);
    this.words.set(id, { text, key, word, delta });
    return key;
  }
}

function saturatedKey(text: TextIndexDefinition, word: string): string {
  return `saturated/${text.kind}/${text.id}/${word}`;
}

function countKey(kind: string): string {
  return `count/${kind}`;
}

/** The `meta` key counting a kind's names that begin with the first segment of `name` (`projects/`). */
function segmentCountKey(kind: string, name: string): string | undefined {
  const slash = name.indexOf('/');
  return slash <= 0 ? undefined : `count/${kind}/${name.slice(0, slash + 1)}`;
}

/** The counting key of a documents range that is exactly one kind's names under one first segment, if it is. */
function firstSegmentCountKey(range: NameRange): string | undefined {
  const kindEnd = range.start.indexOf('/');
  if (kindEnd <= 0) return undefined;
  const kind = range.start.slice(0, kindEnd);
  const prefix = range.start.slice(kindEnd + 1);
  const slash = prefix.indexOf('/');
  if (slash <= 0 || slash !== prefix.length - 1) return undefined;
  const exact = kindRange(kind, prefix);
  return exact.start === range.start && exact.end === range.end ? `count/${kind}/${prefix}` : undefined;
}

function indexSetKey(kind: string): string {
  return `indexSet/${kind}`;
}

function multikeyKey(kind: string, definition: SortedIndexDefinition): string {
  return `multikey/${kind}/${definition.id}`;
}

function isOrdered(path: AccessPath): boolean {
  return path.type !== 'names' && path.ordered;
}

/**
 * How many keys a limited key range holds. (lmdb-js's getKeysCount ignores `limit` and counts the
 * whole range: an estimate capped that way read every key of a large kind.)
 */
function countUpTo(keys: Iterable<unknown>): number {
  let count = 0;
  const iterator = keys[Symbol.iterator]();
  while (iterator.next().done !== true) count += 1;
  return count;
}

function* mapIterable<T, U>(values: Iterable<T>, map: (value: T) => U): Generator<U> {
  for (const value of values) yield map(value);
}

/** Whether every field a filter tests is `name` (operators aside). */
function mentionsOnlyName(filter: unknown): boolean {
  if (Array.isArray(filter)) return filter.every(mentionsOnlyName);
  if (typeof filter !== 'object' || filter === null) return true;
  return Object.entries(filter).every(([key, value]) => (key.startsWith('$') ? mentionsOnlyName(value) : key === 'name'));
}

/** A document holding `values` at the sort's paths (for comparing with a boundary). */
function boundaryDocument(sort: readonly SortKey[], values: readonly unknown[]): JsonObject {
  const document: Record<string, unknown> = {};
  sort.forEach(([path], index) => {
    let target = document;
    const parts = path.split('.');
    parts.slice(0, -1).forEach((part) => {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    });
    target[parts[parts.length - 1] as string] = values[index] ?? null;
  });
  return document as JsonObject;
}

/** The sort's order (mingo's comparison, missing = null), names last: the order of a page. */
function compareBySort(sort: readonly SortKey[], left: StoredDocument, right: StoredDocument): number {
  for (const [path, direction] of sort) {
    const order = compare(resolve(left.document, path) ?? null, resolve(right.document, path) ?? null);
    if (order !== 0) return order * direction;
  }
  return left.name < right.name ? -1 : left.name > right.name ? 1 : 0;
}

/**
 * The entries of `entries` whose key `others` lacks. A document has one entry per index unless a
 * field is an array, so small lists compare pairwise (no strings made); long ones by hex keys.
 */
function entriesNotIn(entries: readonly IndexEntry[], others: readonly IndexEntry[]): readonly IndexEntry[] {
  if (others.length === 0) return entries;
  if (entries.length * others.length <= 64) return entries.filter((entry) => !others.some((other) => other.key.equals(entry.key)));
  const keys = new Set(others.map((other) => other.key.toString('hex')));
  return entries.filter((entry) => !keys.has(entry.key.toString('hex')));
}
