/**
 * The ReadStore port: projected documents per resource kind, projector checkpoints and the
 * change log the watch gateway tails. Adapters: {@link LmdbReadStore} (embedded default) and
 * {@link MongoReadStore}.
 */
import type { JsonObject } from '@keystream/kernel';
import type { PhraseHint } from './phraseHint.js';
import type { Position } from './position.js';

/** A read-model document is a resource in its internal camelCase form: a kernel JSON object. */
export type { JsonObject } from '@keystream/kernel';

/** A document with the position of the last event applied to it. */
export interface StoredDocument {
  readonly name: string;
  readonly position: Position;
  readonly document: JsonObject;
}

/** One document change in an {@link ApplyBatch}. `document.name` must equal `name`. */
export type DocumentWrite =
  | { readonly op: 'put'; readonly kind: string; readonly name: string; readonly position: Position; readonly document: JsonObject }
  | { readonly op: 'delete'; readonly kind: string; readonly name: string; readonly position: Position };

/** What {@link ReadStore.apply} writes in one transaction. */
export interface ApplyBatch {
  readonly writes: readonly DocumentWrite[];
  /** The projector's checkpoint after this batch (stored as given, even if earlier: replays rewind it). */
  readonly checkpoint?: { readonly projector: string; readonly position: Position };
}

/** Outcome of {@link ReadStore.apply}. */
export interface ApplyResult {
  /** Writes that changed a document (each produced one change-log entry, deletes of absent documents excepted). */
  readonly applied: number;
  /** Writes at or below the document's own position: already applied, no-ops. */
  readonly skipped: number;
}

/** A change-log entry: one document's state before and after one applied write. */
export interface ChangeLogEntry {
  readonly position: Position;
  readonly kind: string;
  readonly name: string;
  /** `null` when the document did not exist (or was deleted) before. */
  readonly before: JsonObject | null;
  /** `null` when the write deleted the document. */
  readonly after: JsonObject | null;
  /** When the entry was written (ms since the epoch); retention by age uses it. */
  readonly recordedAt: number;
}

/** How long the change log keeps entries. Both limits apply; absent means unbounded. */
export interface ChangeLogRetention {
  readonly maxEntries?: number;
  readonly maxAgeMs?: number;
}

/** A MongoDB sort specification over document fields (dotted camelCase paths). */
export type SortSpec = Readonly<Record<string, 1 | -1>>;

/** A MongoDB query document over document fields, as compiled by the resource kit. */
export type QueryFilter = Readonly<Record<string, unknown>>;

/** Options of {@link ReadStore.query}. */
export interface QueryOptions {
  /** Default: every document. Cursor (keyset) conditions arrive merged into it. */
  readonly filter?: QueryFilter;
  /** Default `{name: 1}`. `name` ascending is appended as the final tie-break when absent. */
  readonly sort?: SortSpec;
  /** Maximum documents returned. Default: all. */
  readonly limit?: number;
  /** Also count every document matching the filter, ignoring `limit`. */
  readonly countTotal?: boolean;
  /**
   * The search phrase the filter holds, as a hint: a store with a text index narrows to the
   * documents that can match it (the filter still decides). Results are the same without it.
   */
  readonly phrase?: PhraseHint;
  /**
   * The page boundary the filter's keyset condition selects after, as a hint: its sort-key values
   * in `sort` order (`name` last). A store walking an index in that order may start there instead
   * of skipping the earlier entries one by one. Results are the same without it.
   */
  readonly seek?: { readonly values: readonly unknown[] };
}

/** Options of {@link ReadStore.count}. */
export interface CountOptions {
  /** As in {@link QueryOptions.phrase}. */
  readonly phrase?: PhraseHint;
  /**
   * A hint that the filter holds a keyset condition selecting the documents before a boundary in
   * `sort` order (a page's offset): its sort-key values (`name` last). A store may then count in
   * that order from the start and stop at the boundary. The count is the same without it.
   * `selection`, when given, is the filter without that keyset condition (the filter is exactly
   * `selection` AND the condition): a store that reads the sort's order by position may then count
   * what it selects among the entries before the boundary's position, without comparing values.
   */
  readonly before?: { readonly sort: SortSpec; readonly values: readonly unknown[]; readonly selection?: QueryFilter };
}

/** Result of {@link ReadStore.query}. */
export interface QueryResult {
  readonly documents: StoredDocument[];
  /** Present when `countTotal` was asked. */
  readonly totalCount?: number;
}

/** Result of {@link ReadStore.batchGet}: found documents in request order, missing names likewise. */
export interface BatchGetResult {
  readonly found: StoredDocument[];
  readonly missing: string[];
}

/**
 * A tail of the change log strictly after a position: batches of entries in position order,
 * never splitting the entries of one position across batches, continuing live. Iterate once.
 * Throws {@link ChangeLogExpiredError} (on the first `next()`, or later if the tail falls behind
 * retention) when entries after its position were already pruned.
 */
export interface ChangeFeed extends AsyncIterable<readonly ChangeLogEntry[]> {
  close(): Promise<void>;
}

/** The ReadStore port. */
export interface ReadStore {
  get(kind: string, name: string): Promise<StoredDocument | undefined>;
  batchGet(kind: string, names: readonly string[]): Promise<BatchGetResult>;
  query(kind: string, options?: QueryOptions): Promise<QueryResult>;
  count(kind: string, filter?: QueryFilter, options?: CountOptions): Promise<number>;
  /**
   * Atomically applies document writes, their change-log entries and the checkpoint. A write at
   * or below the document's stored position (deleted documents keep theirs) is skipped.
   */
  apply(batch: ApplyBatch): Promise<ApplyResult>;
  /** The projector's stored checkpoint, if any. */
  checkpoint(projector: string): Promise<Position | undefined>;
  /** The position of the newest change-log entry (or of the newest pruned one; `''` when none ever). */
  head(): Promise<Position>;
  changesSince(position: Position): ChangeFeed;
  close(): Promise<void>;
  /**
   * Why writes (applies) currently fail for lack of storage, if they do (embedded store: its disk
   * is full). Optional: a server store reports its own health.
   */
  storageProblem?(): string | undefined;
}
