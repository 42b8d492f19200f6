import { EventEmitter } from 'node:events';
import { KeystreamError } from '@keystream/api';
import { toMongoDriverQuery } from '@keystream/resource';
import type { ChangeStream, ClientSession, Collection, Db, Document, IndexSpecification } from 'mongodb';
import { MongoClient, MongoServerError } from 'mongodb';
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
import { openChangeFeed } from '../changeFeed.js';
import { wholeWordsOf, type PhraseHint } from '../phraseHint.js';

/** Options of {@link MongoReadStore.connect}. */
export interface MongoReadStoreOptions {
  /** A replica-set connection string (transactions and change streams need one). */
  readonly url: string;
  readonly database: string;
  /** Prefix of every collection name, so several deployments can share a database. Default `rs_`. */
  readonly collectionPrefix?: string;
  readonly retention?: ChangeLogRetention;
  /**
   * Extra indexes per kind, for the filter fields and sort orders that kind's List queries use
   * (e.g. `{ 'metadata.createTime': 1, name: 1 }`). `name` and the tombstone flag are always indexed.
   */
  readonly indexes?: Readonly<Record<string, readonly IndexSpecification[]>>;
  readonly now?: () => number;
}

/** A document as stored: its fields plus our bookkeeping (`_id` = name). */
interface MongoDocument extends Document {
  _id: string;
  _position: Position;
  _deleted: boolean;
}

interface MongoChange extends ChangeLogEntry {
  /** `position NUL kind NUL name`: sorts in position order because positions are fixed-width. */
  _id: string;
}

interface MetaDocument {
  _id: string;
  prunedThrough?: Position;
  changeCount?: number;
}

interface CheckpointDocument {
  _id: string;
  position: Position;
}

const FEED_PAGE = 512;
const META_ID = 'changelog';
const DUPLICATE_KEY = 11000;
const APPLY_ATTEMPTS = 3;

/**
 * The ReadStore port on MongoDB (replica set).
 *
 * One collection per kind (`<prefix>doc_<Kind>`), documents stored as their own fields plus
 * `_id` (the name), `_position` and `_deleted` (tombstones keep their position so replays stay
 * no-ops). `apply` is one multi-document transaction: it reads the current versions, skips
 * writes at or below them, writes the rest with `_position`-guarded replaces or inserts, appends
 * the change log, stores the checkpoint and prunes by retention. An insert that loses a race to
 * another projector fails with a duplicate key; the batch is retried, and the re-read sees the
 * document as already applied. Change feeds wait on one change stream over the change log.
 */
export class MongoReadStore implements ReadStore {
  private readonly prefix: string;
  private readonly retention: ChangeLogRetention;
  private readonly now: () => number;
  private readonly preparedKinds = new Map<string, Promise<void>>();
  private readonly inserted = new EventEmitter();
  private readonly feeds = new Set<AbortController>();
  /** Bumped on every change-log insert the change stream reports; lets a feed detect a wake it raced. */
  private generation = 0;
  private watcher: Promise<void> | undefined;
  private changeStream: ChangeStream | undefined;
  private closed = false;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly options: MongoReadStoreOptions,
  ) {
    this.prefix = options.collectionPrefix ?? 'rs_';
    this.retention = options.retention ?? {};
    this.now = options.now ?? Date.now;
    this.inserted.setMaxListeners(0);
  }

  /** Connects to MongoDB and prepares the shared collections' indexes. */
  static async connect(options: MongoReadStoreOptions): Promise<MongoReadStore> {
    const client = new MongoClient(options.url);
    await client.connect();
    const store = new MongoReadStore(client, client.db(options.database), options);
    await store.changes().createIndex({ recordedAt: 1 });
    return store;
  }

  private kindCollection(kind: string): Collection<MongoDocument> {
    return this.db.collection<MongoDocument>(`${this.prefix}doc_${kind}`);
  }

  private changes(): Collection<MongoChange> {
    return this.db.collection<MongoChange>(`${this.prefix}changes`);
  }

  private meta(): Collection<MetaDocument> {
    return this.db.collection<MetaDocument>(`${this.prefix}meta`);
  }

  private checkpoints(): Collection<CheckpointDocument> {
    return this.db.collection<CheckpointDocument>(`${this.prefix}checkpoints`);
  }

  /** Whether the kind's index set has a text index (`$text` fails without one). */
  private hasTextIndex(kind: string): boolean {
    return (this.options.indexes?.[kind] ?? []).some(isTextIndex);
  }

  /** Creates a kind's collection and indexes once per process (outside any transaction). */
  private prepareKind(kind: string): Promise<void> {
    let prepared = this.preparedKinds.get(kind);
    if (prepared === undefined) {
      const collection = this.kindCollection(kind);
      const extra = this.options.indexes?.[kind] ?? [];
      prepared = (async () => {
        await collection.createIndex({ name: 1 });
        await collection.createIndex({ _deleted: 1, name: 1 });
        for (const index of extra) {
          // A text index (search phrases) without a language: no stemming and no stop words, so
          // `$text` finds a word exactly as written, case- and diacritic-insensitively (withPhrase).
          await collection.createIndex(index, isTextIndex(index) ? { name: 'phrase_text', default_language: 'none' } : undefined, undefined);
        }
      })();
      this.preparedKinds.set(kind, prepared);
    }
    return prepared;
  }

  async get(kind: string, name: string): Promise<StoredDocument | undefined> {
    const stored = await this.kindCollection(kind).findOne({ _id: name, _deleted: false });
    return stored === null ? undefined : toStored(stored);
  }

  async batchGet(kind: string, names: readonly string[]): Promise<BatchGetResult> {
    const rows = await this.kindCollection(kind)
      .find({ _id: { $in: [...names] }, _deleted: false })
      .toArray();
    const byName = new Map(rows.map((row) => [row._id, toStored(row)]));
    const found: StoredDocument[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const stored = byName.get(name);
      if (stored === undefined) missing.push(name);
      else found.push(stored);
    }
    return { found, missing };
  }

  async query(kind: string, options: QueryOptions = {}): Promise<QueryResult> {
    await this.prepareKind(kind);
    const collection = this.kindCollection(kind);
    const filter = withPhrase(liveFilter(options.filter), this.hasTextIndex(kind) ? options.phrase : undefined);
    const sort: Record<string, 1 | -1> = {};
    for (const [path, direction] of normalizeSort(options.sort)) sort[path] = direction;
    let cursor = collection.find(filter).sort(sort);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    const [rows, totalCount] = await Promise.all([cursor.toArray(), options.countTotal === true ? collection.countDocuments(filter) : Promise.resolve(undefined)]);
    const documents = rows.map(toStored);
    return totalCount === undefined ? { documents } : { documents, totalCount };
  }

  async count(kind: string, filter?: QueryFilter, options: CountOptions = {}): Promise<number> {
    const phrase = this.hasTextIndex(kind) ? options.phrase : undefined;
    if (phrase !== undefined) await this.prepareKind(kind);
    return this.kindCollection(kind).countDocuments(withPhrase(liveFilter(filter), phrase));
  }

  async apply(batch: ApplyBatch): Promise<ApplyResult> {
    validateBatch(batch);
    await Promise.all([...new Set(batch.writes.map((write) => write.kind))].map((kind) => this.prepareKind(kind)));
    for (let attempt = 1; ; attempt += 1) {
      const session = this.client.startSession();
      try {
        return await session.withTransaction(() => this.applyInTransaction(batch, session));
      } catch (error) {
        // Lost an insert race to another writer: retry; the re-read sees its write and skips ours if older.
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY && attempt < APPLY_ATTEMPTS) continue;
        throw asKeystreamError(error, 'apply');
      } finally {
        await session.endSession();
      }
    }
  }

  private async applyInTransaction(batch: ApplyBatch, session: ClientSession): Promise<ApplyResult> {
    const recordedAt = this.now();
    const current = new Map<string, MongoDocument | null>();
    const byKind = new Map<string, string[]>();
    for (const write of batch.writes) byKind.set(write.kind, [...(byKind.get(write.kind) ?? []), write.name]);
    for (const [kind, names] of byKind) {
      const rows = await this.kindCollection(kind)
        .find({ _id: { $in: names } }, { session })
        .toArray();
      for (const row of rows) current.set(changeKey('', kind, row._id), row);
    }

    const entries: MongoChange[] = [];
    // Per document: the version read (to guard the replace) and the version to write.
    const pending = new Map<string, { kind: string; original: MongoDocument | null; next: MongoDocument }>();
    let skipped = 0;
    let applied = 0;
    for (const write of batch.writes) {
      const key = changeKey('', write.kind, write.name);
      const existing = pending.get(key)?.next ?? current.get(key) ?? null;
      if (existing !== null && comparePositions(write.position, existing._position) <= 0) {
        skipped += 1;
        continue;
      }
      applied += 1;
      const next: MongoDocument =
        write.op === 'put' ? { ...write.document, _id: write.name, _position: write.position, _deleted: false } : { _id: write.name, name: write.name, _position: write.position, _deleted: true };
      pending.set(key, { kind: write.kind, original: pending.get(key)?.original ?? current.get(key) ?? null, next });
      const before = existing === null || existing._deleted ? null : documentOf(existing);
      const after = write.op === 'put' ? write.document : null;
      if (before !== null || after !== null) {
        entries.push({ _id: changeKey(write.position, write.kind, write.name), position: write.position, kind: write.kind, name: write.name, before, after, recordedAt });
      }
    }

    for (const { kind, original, next } of pending.values()) {
      const collection = this.kindCollection(kind);
      if (original === null) {
        await collection.insertOne(next, { session });
      } else {
        const result = await collection.replaceOne({ _id: original._id, _position: original._position }, next, { session });
        if (result.matchedCount === 0) throw new KeystreamError('ABORTED', `${kind} "${original._id}" changed during apply; the batch will be retried`);
      }
    }
    if (entries.length > 0) await this.changes().insertMany(entries, { session });
    if (batch.checkpoint !== undefined) {
      await this.checkpoints().updateOne({ _id: batch.checkpoint.projector }, { $set: { position: batch.checkpoint.position } }, { upsert: true, session });
    }
    await this.pruneInTransaction(entries.length, recordedAt, session);
    return { applied, skipped };
  }

  /** Keeps the entry count, deletes entries beyond retention and advances the prune watermark. */
  private async pruneInTransaction(added: number, now: number, session: ClientSession): Promise<void> {
    const meta = await this.meta().findOneAndUpdate({ _id: META_ID }, { $inc: { changeCount: added } }, { upsert: true, returnDocument: 'after', session });
    let count = meta?.changeCount ?? added;
    let cutoff: MongoChange | null = null;
    const { maxEntries, maxAgeMs } = this.retention;
    if (maxEntries !== undefined && count > maxEntries) {
      const oldest = await this.changes()
        .find({}, { session, sort: { _id: 1 }, skip: count - maxEntries - 1, limit: 1 })
        .toArray();
      cutoff = oldest[0] ?? null;
    }
    if (maxAgeMs !== undefined) {
      const expired = await this.changes().findOne({ recordedAt: { $lt: now - maxAgeMs } }, { session, sort: { _id: -1 } });
      if (expired !== null && (cutoff === null || expired._id > cutoff._id)) cutoff = expired;
    }
    if (cutoff === null) return;
    const removed = await this.changes().deleteMany({ _id: { $lte: cutoff._id } }, { session });
    count -= removed.deletedCount;
    await this.meta().updateOne({ _id: META_ID }, { $set: { prunedThrough: cutoff.position, changeCount: count } }, { session });
  }

  async checkpoint(projector: string): Promise<Position | undefined> {
    return (await this.checkpoints().findOne({ _id: projector }))?.position;
  }

  async head(): Promise<Position> {
    const [newest, meta] = await Promise.all([this.changes().findOne({}, { sort: { _id: -1 } }), this.meta().findOne({ _id: META_ID })]);
    const newestPosition = newest?.position ?? '';
    const pruned = meta?.prunedThrough ?? '';
    return comparePositions(newestPosition, pruned) >= 0 ? newestPosition : pruned;
  }

  changesSince(position: Position): ChangeFeed {
    return openChangeFeed(this.feeds, (abort) => this.feed(position, abort));
  }

  private async *feed(from: Position, abort: AbortController): AsyncGenerator<readonly ChangeLogEntry[]> {
    let cursor = from;
    try {
      await this.startWatcher();
      while (!abort.signal.aborted) {
        const generation = this.generation;
        const meta = await this.meta().findOne({ _id: META_ID });
        const prunedThrough = meta?.prunedThrough ?? '';
        if (comparePositions(cursor, prunedThrough) < 0) throw new ChangeLogExpiredError(cursor, prunedThrough);
        const batch = await this.readChangesAfter(cursor);
        const last = batch[batch.length - 1];
        if (last === undefined) {
          if (generation === this.generation) await this.waitForInsert(abort.signal);
          continue;
        }
        cursor = last.position;
        yield batch;
      }
    } finally {
      this.feeds.delete(abort);
    }
  }

  private async readChangesAfter(cursor: Position): Promise<ChangeLogEntry[]> {
    const page = await this.changes()
      .find({ _id: { $gt: `${cursor}\u0001` } }, { sort: { _id: 1 }, limit: FEED_PAGE })
      .toArray();
    const last = page[page.length - 1];
    if (page.length === FEED_PAGE && last !== undefined) {
      // Complete the last position so one position's entries are never split across batches.
      const rest = await this.changes()
        .find({ position: last.position, _id: { $gt: last._id } }, { sort: { _id: 1 } })
        .toArray();
      page.push(...rest);
    }
    return page.map(({ position, kind, name, before, after, recordedAt }) => ({ position, kind, name, before, after, recordedAt }));
  }

  /** Starts the one change stream over the change log; resolves once its cursor is established. */
  private startWatcher(): Promise<void> {
    if (this.watcher === undefined) {
      const stream = this.changes().watch([{ $match: { operationType: 'insert' } }]);
      this.changeStream = stream;
      this.watcher = (async () => {
        // tryNext() runs the aggregate that opens the server cursor, so inserts after this are seen.
        if ((await stream.tryNext()) !== null) this.wake();
        void this.pump(stream);
      })();
    }
    return this.watcher;
  }

  /** Forwards change-stream inserts as wakes until the stream closes. */
  private async pump(stream: ChangeStream): Promise<void> {
    try {
      while (!stream.closed) {
        await stream.next();
        this.wake();
      }
    } catch (error) {
      if (!this.closed) this.inserted.emit('error', error);
    }
  }

  private wake(): void {
    this.generation += 1;
    this.inserted.emit('insert');
  }

  private waitForInsert(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.inserted.off('insert', onInsert);
        this.inserted.off('error', onError);
        signal.removeEventListener('abort', onInsert);
      };
      const onInsert = (): void => {
        cleanup();
        resolve();
      };
      const onError = (error: unknown): void => {
        cleanup();
        reject(asKeystreamError(error, 'change stream'));
      };
      this.inserted.on('insert', onInsert);
      this.inserted.on('error', onError);
      signal.addEventListener('abort', onInsert, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const feed of this.feeds) feed.abort();
    this.feeds.clear();
    await this.changeStream?.close();
    await this.client.close();
  }
}

function changeKey(position: Position, kind: string, name: string): string {
  return `${position}\u0000${kind}\u0000${name}`;
}

function isTextIndex(index: IndexSpecification): boolean {
  return typeof index === 'object' && !Array.isArray(index) && !(index instanceof Map) && Object.values(index).includes('text');
}

/**
 * Adds `$text` for the whole words of a search phrase (phraseHint.ts): it lets MongoDB start from
 * the kind's text index (made from the descriptor's index set, `mongoIndexes`) and is implied by
 * the phrase condition the filter holds, so results stay the same. A phrase with no whole word
 * (one word, possibly part of a longer one) adds nothing: the filter's regex decides alone.
 */
function withPhrase(filter: Document, phrase: PhraseHint | undefined): Document {
  if (phrase === undefined) return filter;
  const words = wholeWordsOf(phrase.text);
  if (words.length === 0) return filter;
  // Quoted terms must all be present (unquoted ones would be any of them).
  return { ...filter, $text: { $search: words.map((word) => `"${word}"`).join(' ') } };
}

function liveFilter(filter: QueryFilter | undefined): Document {
  if (filter === undefined || Object.keys(filter).length === 0) return { _deleted: false };
  // keystream's $like becomes a $regex MongoDB evaluates in polynomial time (atomic groups).
  return { $and: [{ _deleted: false }, toMongoDriverQuery(filter)] };
}

function documentOf(stored: MongoDocument): JsonObject {
  // Written from a JsonObject by this adapter; the driver types rows as Document (values `any`).
  const document: JsonObject = { ...stored };
  delete document['_id'];
  delete document['_position'];
  delete document['_deleted'];
  return document;
}

function toStored(stored: MongoDocument): StoredDocument {
  return { name: stored._id, position: stored._position, document: documentOf(stored) };
}

function asKeystreamError(error: unknown, what: string): KeystreamError {
  if (error instanceof KeystreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KeystreamError('UNAVAILABLE', `MongoDB read store ${what} failed: ${message}`, [], { cause: error });
}

/** Connects the MongoDB read store. */
export function connectMongoReadStore(options: MongoReadStoreOptions): Promise<MongoReadStore> {
  return MongoReadStore.connect(options);
}
