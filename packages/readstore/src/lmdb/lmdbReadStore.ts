import { EventEmitter } from 'node:events';
import { KeystreamError, StorageFullLatch, noSpaceCauseOf, storageExhausted } from '@keystream/api';
import type { Database, RootDatabase } from 'lmdb';
import { open } from 'lmdb';
import { filterQuery } from '@keystream/resource';
import type { Query } from 'mingo';
import { ChangeLogExpiredError } from '../errors/changeLogExpiredError.js';
import { normalizeSort } from '../normalizeSort.js';
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
import { EqualityIndex, equalityConditions } from './equalityIndex.js';
import { meetsSetConditions, splitSetConditions } from './setMembershipFilter.js';
import { SortedIndex } from './sortedIndex.js';
import { TextIndex } from './textIndex.js';
import type { PhraseHint } from '../phraseHint.js';
import { openChangeFeed } from '../changeFeed.js';

/** Options of {@link openLmdbReadStore}. */
export interface LmdbReadStoreOptions {
  /** Directory of the LMDB environment (created if absent). */
  readonly path: string;
  readonly retention?: ChangeLogRetention;
  /** Sort orders kept indexed per kind (least recently used ones are dropped). Default 8. */
  readonly maxIndexesPerKind?: number;
  /** Clock for change-log timestamps and age retention (tests pass a fake). */
  readonly now?: () => number;
}

/** A document record: `document` is null for a deletion tombstone, which keeps its position. */
interface DocumentRecord {
  readonly position: Position;
  readonly document: JsonObject | null;
}

/** In-memory state of one kind: every live document and the sort indexes built so far. */
interface KindState {
  readonly documents: Map<string, DocumentRecord>;
  /** Keyed by the normalised sort spec; insertion order is recency (for LRU eviction). */
  readonly indexes: Map<string, SortedIndex>;
  /** Keyed by field path: built for paths filtered by equality, so scans can skip non-candidates. */
  readonly equality: Map<string, EqualityIndex>;
  /** Keyed by the phrase fields: built for search phrases (textIndex.ts). */
  readonly text: Map<string, TextIndex>;
}

/** Change-log entries read per LMDB range scan. */
const FEED_PAGE = 512;
const PRUNED_THROUGH = 'prunedThrough';
const CHANGE_COUNT = 'changeCount';
const KEY_FORMAT = 'keyFormat';
/**
 * Version of the key layout. Keys join their parts with '/': a control character as separator
 * breaks lmdb's ordered-binary keys (a key over 64 bytes holding \0 or \x01 is stored as an
 * array and drops out of string ranges). A store written with another layout is a projection
 * that can be rebuilt, so it is emptied and the projector replays it from the start.
 */
const CURRENT_KEY_FORMAT = 2;
const APPLIED = 'applied';
/** Sort the candidates instead of walking the index when they are fewer than 1/16 of the kind. */
const SMALL_CANDIDATE_RATIO = 16;

/**
 * The embedded ReadStore on LMDB.
 *
 * Persistent layout (one environment): `documents` (`kind NUL name` → record, tombstones
 * included), `changes` (`position NUL kind NUL name` → entry; fixed-width positions make key order
 * position order), `checkpoints` (projector → position), `meta` (prune watermark, entry count).
 * `apply` is one lmdb-js write transaction, so documents, change log and checkpoint commit
 * together.
 *
 * Queries run in memory: the first query of a kind loads its documents, and each sort order asked
 * for gets a {@link SortedIndex} that `apply` keeps up to date. A query walks the index in order,
 * tests each document with the compiled mingo filter and stops at `limit` (or walks on to count
 * when `countTotal` is asked). This assumes one process owns the store, which is how the embedded
 * default runs.
 */
export class LmdbReadStore implements ReadStore {
  private readonly kinds = new Map<string, KindState>();
  /** Kinds loaded from a commit whose apply has not finished, until it has (see `loadedKind`). */
  private readonly kindsCatchingUp = new Map<string, Promise<void>>();
  private readonly applied = new EventEmitter();
  private readonly feeds = new Set<AbortController>();
  private readonly retention: ChangeLogRetention;
  private readonly maxIndexesPerKind: number;
  private readonly now: () => number;
  private closed = false;
  /** Whether the storage is full: set by a commit that found no space, cleared once one commits with room again. */
  private readonly storageFull: StorageFullLatch;

  private constructor(
    private readonly root: RootDatabase,
    private readonly documents: Database<DocumentRecord, string>,
    private readonly changes: Database<ChangeLogEntry, string>,
    private readonly checkpoints: Database<Position, string>,
    private readonly meta: Database<Position | number, string>,
    options: LmdbReadStoreOptions,
  ) {
    this.storageFull = new StorageFullLatch(options.path);
    this.retention = options.retention ?? {};
    this.maxIndexesPerKind = options.maxIndexesPerKind ?? 8;
    this.now = options.now ?? Date.now;
    this.applied.setMaxListeners(0);
    this.visibleHead = this.headSync();
  }

  /**
   * The head as of the last apply whose documents are in memory. A commit becomes visible in LMDB
   * a moment before `apply` resumes and updates the in-memory kinds; a head read from LMDB in that
   * window would be ahead of what `query` shows, and a watch snapshot taken then (head, then query)
   * would lose the document. So the head moves only together with the in-memory documents.
   */
  private visibleHead: Position;

  /**
   * The apply between its commit starting and its in-memory update, if one is. A read that goes to
   * LMDB (a Get, a kind's first load) may see that commit before `visibleHead` does; such a read
   * waits for this before answering, so nothing a read returns is ahead of `head()`.
   */
  private committing: Promise<unknown> | undefined;

  /** A position LMDB showed a reader, ahead of `visibleHead`: waits until the in-memory state caught up. */
  private async catchUpTo(position: Position): Promise<void> {
    while (comparePositions(position, this.visibleHead) > 0 && this.committing !== undefined) {
      await this.committing.catch(() => undefined);
    }
  }

  /** Opens (creating if needed) the store in `options.path`. */
  static open(options: LmdbReadStoreOptions): LmdbReadStore {
    // No event-turn batching: a failed commit (disk full) would otherwise also reject a batch-start
    // promise of lmdb-js's own that nothing handles, ending the process (see the event store).
    const root = open({ path: options.path, maxDbs: 8, compression: false, eventTurnBatching: false });
    const documents = root.openDB<DocumentRecord, string>({ name: 'documents' });
    const changes = root.openDB<ChangeLogEntry, string>({ name: 'changes' });
    const checkpoints = root.openDB<Position, string>({ name: 'checkpoints' });
    const meta = root.openDB<Position | number, string>({ name: 'meta' });
    if (meta.get(KEY_FORMAT) !== CURRENT_KEY_FORMAT) {
      root.transactionSync(() => {
        for (const db of [documents, changes, checkpoints, meta]) db.clearSync();
        meta.putSync(KEY_FORMAT, CURRENT_KEY_FORMAT);
      });
    }
    return new LmdbReadStore(root, documents, changes, checkpoints, meta, options);
  }

  async get(kind: string, name: string): Promise<StoredDocument | undefined> {
    this.assertOpen();
    for (;;) {
      const record = this.documents.get(documentKey(kind, name));
      if (record === undefined || comparePositions(record.position, this.visibleHead) <= 0 || this.committing === undefined) {
        return record?.document == null ? undefined : { name, position: record.position, document: record.document };
      }
      // Read from a commit whose apply has not finished: answered once head() shows it too.
      await this.catchUpTo(record.position);
    }
  }

  async batchGet(kind: string, names: readonly string[]): Promise<BatchGetResult> {
    this.assertOpen();
    for (;;) {
      const found: StoredDocument[] = [];
      const missing: string[] = [];
      let newest: Position = '';
      for (const name of names) {
        const record = this.documents.get(documentKey(kind, name));
        if (record !== undefined && comparePositions(record.position, newest) > 0) newest = record.position;
        if (record?.document == null) missing.push(name);
        else found.push({ name, position: record.position, document: record.document });
      }
      if (comparePositions(newest, this.visibleHead) <= 0 || this.committing === undefined) return { found, missing };
      await this.catchUpTo(newest);
    }
  }

  async query(kind: string, options: QueryOptions = {}): Promise<QueryResult> {
    this.assertOpen();
    const state = await this.loadedKind(kind);
    const index = this.indexFor(state, options.sort);
    const filter = compileFilter(options.filter);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const candidates = this.candidatesFor(state, options.filter, options.phrase);
    const documents: StoredDocument[] = [];
    let total = 0;
    // Few candidates: filter them and sort the survivors. Otherwise walk the sort index, where a
    // set lookup is far cheaper than evaluating the filter and most documents fail it.
    const ordered =
      candidates !== undefined && candidates.size * SMALL_CANDIDATE_RATIO < index.size
        ? index.order(this.candidateDocuments(state, candidates).filter((document) => filter === undefined || filter.test(document)))
        : index.documents();
    for (const { name, document } of ordered) {
      if (candidates !== undefined && !candidates.has(name)) continue;
      if (filter !== undefined && !filter.test(document)) continue;
      total += 1;
      if (documents.length < limit) {
        const record = state.documents.get(name);
        if (record !== undefined) documents.push({ name, position: record.position, document: structuredClone(document) });
      } else if (options.countTotal !== true) {
        break;
      }
    }
    return options.countTotal === true ? { documents, totalCount: total } : { documents };
  }

  async count(kind: string, filter?: QueryFilter, options: CountOptions = {}): Promise<number> {
    this.assertOpen();
    const state = await this.loadedKind(kind);
    const compiled = compileFilter(filter);
    const candidates = this.candidatesFor(state, filter, options.phrase);
    let total = 0;
    const names = candidates ?? state.documents.keys();
    for (const name of names) {
      const document = state.documents.get(name)?.document;
      if (document != null && (compiled === undefined || compiled.test(document))) total += 1;
    }
    return total;
  }

  /** Why applies currently fail for lack of storage (the last apply found no space), if they do. */
  storageProblem(): string | undefined {
    return this.storageFull.problem();
  }

  async apply(batch: ApplyBatch): Promise<ApplyResult> {
    this.assertOpen();
    validateBatch(batch);
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
    // Committed: bring the in-memory kinds up to date, then wake the tails.
    for (const entry of outcome.entries) this.updateKindState(entry.kind, entry.name, entry.position, entry.after);
    for (const tombstone of outcome.silentTombstones) this.updateKindState(tombstone.kind, tombstone.name, tombstone.position, null);
    if (outcome.entries.length > 0 || outcome.pruned) this.visibleHead = this.headSync();
    // Cleared only together with the in-memory update: a reader woken by it sees both.
    if (this.committing === commit) this.committing = undefined;
    if (outcome.entries.length > 0 || outcome.pruned) this.applied.emit(APPLIED);
    return { applied: outcome.applied, skipped: outcome.skipped };
  }

  /** Runs inside the write transaction. Reads and decisions first; it must not throw once writing. */
  private applyInTransaction(batch: ApplyBatch, recordedAt: number): ApplyOutcome {
    const entries: ChangeLogEntry[] = [];
    const silentTombstones: { kind: string; name: string; position: Position }[] = [];
    const pending = new Map<string, DocumentRecord>();
    let skipped = 0;
    for (const write of batch.writes) {
      const key = documentKey(write.kind, write.name);
      const current = pending.get(key) ?? this.documents.get(key);
      if (current !== undefined && comparePositions(write.position, current.position) <= 0) {
        skipped += 1;
        continue;
      }
      const after = write.op === 'put' ? write.document : null;
      const before = current?.document ?? null;
      pending.set(key, { position: write.position, document: after });
      if (before === null && after === null) silentTombstones.push({ kind: write.kind, name: write.name, position: write.position });
      else entries.push({ position: write.position, kind: write.kind, name: write.name, before, after, recordedAt });
    }
    for (const [key, record] of pending) this.documents.putSync(key, record);
    for (const entry of entries) this.changes.putSync(changeKey(entry.position, entry.kind, entry.name), entry);
    if (batch.checkpoint !== undefined) this.checkpoints.putSync(batch.checkpoint.projector, batch.checkpoint.position);
    const count = this.storedChangeCount() + entries.length;
    const pruned = this.pruneInTransaction(count, recordedAt);
    return { entries, silentTombstones, applied: entries.length + silentTombstones.length, skipped, pruned };
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
    return Promise.resolve(this.checkpoints.get(projector));
  }

  head(): Promise<Position> {
    this.assertOpen();
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
    for (const { value } of this.changes.getRange({ start: `${cursor}0` })) {
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
    for (const feed of this.feeds) feed.abort();
    this.feeds.clear();
    this.kinds.clear();
    await this.root.close();
  }

  private headSync(): Position {
    let newest: Position = '';
    for (const { value } of this.changes.getRange({ reverse: true, limit: 1 })) newest = value.position;
    const pruned = this.prunedThrough();
    return comparePositions(newest, pruned) >= 0 ? newest : pruned;
  }

  private prunedThrough(): Position {
    const value = this.meta.get(PRUNED_THROUGH);
    return typeof value === 'string' ? value : '';
  }

  private storedChangeCount(): number {
    const value = this.meta.get(CHANGE_COUNT);
    return typeof value === 'number' ? value : 0;
  }

  /**
   * The kind's in-memory state, loading it from LMDB on first use. A load that saw a commit whose
   * apply has not finished waits for it (the apply then brings the loaded kind level with `head()`).
   */
  private async loadedKind(kind: string): Promise<KindState> {
    const loaded = this.kinds.get(kind);
    if (loaded !== undefined) {
      await this.kindsCatchingUp.get(kind);
      return loaded;
    }
    const documents = new Map<string, DocumentRecord>();
    const prefix = `${kind}/`;
    let newest: Position = '';
    // '0' is the character after '/': the range holds exactly the keys starting with the prefix.
    for (const { key, value } of this.documents.getRange({ start: prefix, end: `${kind}0` })) {
      documents.set(key.slice(prefix.length), value);
      if (comparePositions(value.position, newest) > 0) newest = value.position;
    }
    const state: KindState = { documents, indexes: new Map(), equality: new Map(), text: new Map() };
    // Registered before waiting, so the pending apply updates it; another load meanwhile uses it.
    this.kinds.set(kind, state);
    if (comparePositions(newest, this.visibleHead) > 0) {
      const caughtUp = this.catchUpTo(newest).finally(() => this.kindsCatchingUp.delete(kind));
      this.kindsCatchingUp.set(kind, caughtUp);
      await caughtUp;
    }
    return state;
  }

  private indexFor(state: KindState, sort: QueryOptions['sort']): SortedIndex {
    const keys = normalizeSort(sort);
    const id = JSON.stringify(keys);
    let index = state.indexes.get(id);
    if (index === undefined) {
      const live = [...state.documents.values()].flatMap((record) => (record.document === null ? [] : [record.document]));
      index = SortedIndex.build(keys, live);
      if (state.indexes.size >= this.maxIndexesPerKind) {
        const oldest = state.indexes.keys().next();
        if (oldest.done !== true) state.indexes.delete(oldest.value);
      }
    } else {
      state.indexes.delete(id);
    }
    state.indexes.set(id, index);
    return index;
  }

  /**
   * The documents every top-level equality condition of the filter allows (the intersection of
   * their index entries), or undefined when it has none. Equality indexes are built on first use
   * per path and kept up to date.
   */
  private candidatesFor(state: KindState, filter: QueryFilter | undefined, phrase?: PhraseHint): ReadonlySet<string> | undefined {
    const sets: ReadonlySet<string>[] = [];
    const byText = phrase === undefined ? undefined : this.textIndexFor(state, phrase.fields).candidates(phrase.text);
    if (byText !== undefined) sets.push(byText);
    for (const [path, value] of equalityConditions(filter)) {
      let index = state.equality.get(path);
      if (index === undefined) {
        index = EqualityIndex.build(path, [...state.documents.values()].flatMap((record) => (record.document === null ? [] : [record.document])));
        state.equality.set(path, index);
      }
      sets.push(index.candidates(value));
    }
    if (sets.length <= 1) return sets[0];
    // Intersect from the smallest set, so the work is bounded by it.
    sets.sort((left, right) => left.size - right.size);
    const [smallest, ...others] = sets as [ReadonlySet<string>, ...ReadonlySet<string>[]];
    const intersection = new Set<string>();
    for (const name of smallest) if (others.every((set) => set.has(name))) intersection.add(name);
    return intersection;
  }

  private textIndexFor(state: KindState, fields: readonly string[]): TextIndex {
    const id = JSON.stringify(fields);
    let index = state.text.get(id);
    if (index === undefined) {
      index = TextIndex.build(fields, [...state.documents.values()].flatMap((record) => (record.document === null ? [] : [record.document])));
      state.text.set(id, index);
    }
    return index;
  }

  private candidateDocuments(state: KindState, names: ReadonlySet<string>): JsonObject[] {
    const documents: JsonObject[] = [];
    for (const name of names) {
      const document = state.documents.get(name)?.document;
      if (document != null) documents.push(document);
    }
    return documents;
  }

  /** Applies one committed change to a loaded kind (unloaded kinds load fresh later). */
  private updateKindState(kind: string, name: string, position: Position, after: JsonObject | null): void {
    const state = this.kinds.get(kind);
    if (state === undefined) return;
    const current = state.documents.get(name);
    if (current !== undefined && comparePositions(position, current.position) <= 0) return;
    // A private copy: the caller keeps its object, and indexes must see exactly what is cached.
    const document = after === null ? null : structuredClone(after);
    state.documents.set(name, { position, document });
    for (const index of [...state.indexes.values(), ...state.equality.values(), ...state.text.values()]) {
      if (current?.document != null) index.remove(current.document);
      if (document !== null) index.insert(document);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new KeystreamError('FAILED_PRECONDITION', 'the read store is closed');
  }
}

interface ApplyOutcome {
  readonly entries: readonly ChangeLogEntry[];
  readonly silentTombstones: readonly { readonly kind: string; readonly name: string; readonly position: Position }[];
  readonly applied: number;
  readonly skipped: number;
  readonly pruned: boolean;
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
