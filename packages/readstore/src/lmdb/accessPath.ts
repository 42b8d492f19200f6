/**
 * How the embedded store reads a query: the access paths a filter and sort allow (names looked
 * up, a range of the documents' name order, ranges of a sorted index, a text-index candidate set,
 * a walk of an index in the sort's order) and the choice among them.
 *
 * Every path yields a superset of the matches (the compiled filter still decides on each
 * document), so the choice changes only how much is read. A path is "ordered" when it yields
 * documents in the query's sort order: the query then stops at its limit; otherwise it keeps the
 * best `limit` matches (TopK). The choice: names when the filter lists them; else the smallest
 * selective path, counted up to a cap, preferring one that is ordered; when every selective path is
 * large, a walk in the sort order (which stops at the page's end), falling back to reading the
 * smallest path's matches whole when the walk takes too long (mayBeatWalk); else the whole kind.
 */
import type { SortKey } from '../normalizeSort.js';
import { afterPrefix, indexKey, isCutInKey, MAX_VALUE_BYTES, stringComponent, stringPrefixBytes, type KeyPart } from './indexKey.js';
import { COLLECTION_OF_NAME, collectionOfName, type KindIndexes, type SortedIndexDefinition } from './kindIndexes.js';
import type { Bound, FieldCondition, FilterShape } from './filterClauses.js';

/** A byte range of the index database, walked forwards or backwards. */
export interface KeyRange {
  readonly start: Buffer;
  readonly end: Buffer;
}

/** A string range of the documents database (`kind/name` keys). */
export interface NameRange {
  readonly start: string;
  readonly end: string;
}

/**
 * On a walk in the sort's order: the selective path (about `matches` documents) to read whole
 * instead once the walk has spent about a quarter of that without filling the page (its matches
 * lie far along the order). The store counts the walk's steps (lmdbReadStore.ts).
 */
export interface WalkFallback {
  readonly path: AccessPath;
  readonly matches: number;
}

export type AccessPath =
  | { readonly type: 'names'; readonly names: readonly string[]; readonly exact: boolean }
  | { readonly type: 'documents'; readonly range: NameRange; readonly reverse: boolean; readonly ordered: boolean; readonly exact: boolean; readonly seekName?: string; readonly fallback?: WalkFallback }
  | {
      readonly type: 'index';
      readonly ranges: readonly KeyRange[];
      readonly reverse: boolean;
      /**
       * Each run of keys equal but for the name (a tie of the sort's values) is read against the
       * walk's direction: the values run one way, the names within a tie the other (oldest first
       * from a newest-first index, Z to A from an A-to-Z one, names ascending in both).
       */
      readonly tiesAgainstWalk?: boolean;
      readonly ordered: boolean;
      readonly exact: boolean;
      readonly mayRepeat: boolean;
      readonly seek?: Buffer;
      readonly fallback?: WalkFallback;
    };

/** What the planner needs from the store. */
export interface PlanContext {
  readonly kind: string;
  readonly indexes: KindIndexes;
  /** Whether an index has held an array value (its order then is not one per document). */
  isMultikey(index: SortedIndexDefinition): boolean;
  /** Index keys in the ranges, counted up to `cap`. */
  countIndexKeys(ranges: readonly KeyRange[], cap: number): number;
  /** Documents in the name range, counted up to `cap`. */
  countDocuments(range: NameRange, cap: number): number;
  /**
   * The bytes of the index's first component (after its prefix) when the first and the last key
   * of `range` hold the same one, so every key between does; undefined otherwise or when empty.
   */
  soleFirstComponent(index: SortedIndexDefinition, range: KeyRange): Buffer | undefined;
  /** Live documents of the kind. */
  documentCount(): number;
  /** Paths at most this large are read whole even when not in the sort order (default {@link SMALL_PATH}). */
  readonly smallPath?: number;
  /**
   * Whether a walk can reject most non-matches by an index key lookup (an equality of the filter
   * on a single-field index) instead of reading them: its steps then cost about
   * 1/{@link PROBE_STEPS_PER_READ} of a document read. Asked only when a walk is priced.
   */
  walkProbes?(): boolean;
}

/**
 * About how many steps of a walk that probes an index key per entry (a name looked up) cost one
 * document read and decoded (a few µs against 10–15 µs on the benchmark machine).
 */
export const PROBE_STEPS_PER_READ = 10;

/** A keyset boundary: the sort-key values of the item a page continues after. */
export interface SeekBoundary {
  readonly values: readonly unknown[];
}

/** Paths at most this large are read whole even when not in the sort order. */
export const SMALL_PATH = 2_048;

interface Candidate {
  readonly path: AccessPath;
  readonly estimate: number;
}

/** The documents database range of a kind, optionally of the names starting with `prefix`. */
export function kindRange(kind: string, prefix = ''): NameRange {
  // '0' is the character after '/': the range holds exactly the keys starting with `kind/`.
  return prefix === '' ? { start: `${kind}/`, end: `${kind}0` } : { start: `${kind}/${prefix}`, end: `${kind}/${prefix}\u{10ffff}` };
}

/**
 * Chooses the path for a query. `sort` is normalised (ends with name). `countAll` asks for every
 * match (a count, or a query counting its total), so order does not save anything. `limit` is the
 * page's size, when the query has one: it prices a walk in the sort's order against reading a
 * selective path's matches whole.
 */
export function choosePath(context: PlanContext, filter: FilterShape, sort: readonly SortKey[], countAll: boolean, seek: SeekBoundary | undefined, limit?: number): AccessPath {
  const { conditions } = filter;
  const onlyClause = filter.clauseCount === 1;
  const names = conditions.find((condition) => condition.path === 'name' && condition.type === 'in');
  if (names !== undefined && names.type === 'in') {
    return { type: 'names', names: names.values.filter((value): value is string => typeof value === 'string'), exact: onlyClause };
  }
  const fixed = fixedPaths(context, conditions);
  const paths: AccessPath[] = [];
  for (const condition of conditions) {
    // A parent's documents in the sort's order (collection index) beat the same documents in name
    // order; counts keep the documents' range, whose size is kept per first segment.
    const path = (countAll ? undefined : collectionPath(context, condition, sort, seek, onlyClause)) ?? selectivePath(context, condition, sort, fixed, seek, onlyClause);
    if (path !== undefined) paths.push(path);
  }
  // One ordered path is the choice whatever its size (below, an ordered path is never passed over
  // for the kind's walk): counting its keys would only cost.
  if (!countAll && paths.length === 1 && isOrdered(paths[0] as AccessPath)) return paths[0] as AccessPath;
  // Counted far enough to tell whether reading a path's matches whole beats a walk (below).
  const small = context.smallPath ?? SMALL_PATH;
  const total = limit === undefined || countAll ? 0 : context.documentCount();
  const cap = Math.max(small * 4, limit === undefined || countAll ? 0 : Math.ceil(Math.sqrt(limit * total)));
  const candidates: Candidate[] = paths.map((path) => ({ path, estimate: estimateOf(context, path, cap) }));
  const smallest = minBy(candidates);
  const orderedSelective = minBy(candidates.filter((candidate) => isOrdered(candidate.path)));
  if (countAll) return (orderedSelective !== undefined && smallest !== undefined && orderedSelective.estimate <= smallest.estimate ? orderedSelective : smallest)?.path ?? walkPath(context, sort, seek, true);
  if (orderedSelective !== undefined && orderedSelective.estimate < small) return orderedSelective.path;
  if (smallest !== undefined && smallest.estimate < small) return smallest.path;
  if (orderedSelective !== undefined) return orderedSelective.path;
  const walk = walkPath(context, sort, seek, false);
  if (isOrdered(walk) && (walk.type === 'documents' || walk.type === 'index')) {
    const stepCost = context.walkProbes?.() === true ? 1 / PROBE_STEPS_PER_READ : 1;
    return smallest === undefined || !mayBeatWalk(smallest, limit, total * stepCost, cap) ? walk : { ...walk, fallback: { path: smallest.path, matches: smallest.estimate } };
  }
  return smallest?.path ?? walk;
}

/**
 * Whether reading the `smallest` path's m matches whole (then keeping the best `limit`) may cost
 * less than a walk in the sort's order. With its matches spread over the order, a walk steps over
 * about limit × total / m documents to fill a page, each step costing what `weightedTotal` says
 * (total, or less when the walk probes keys): for a page of 100 of 10M documents read by the walk
 * the two cost the same at m ≈ 32k, and a filter matching 5,000 would walk ~200k documents
 * against 5,000 read whole. But matches may gather where the walk starts (pending invitations,
 * newest first), which the walk finds at once: so the walk starts anyway, with this path as its
 * fallback. An estimate at the cap is at least the break-even: the walk alone then.
 */
function mayBeatWalk(smallest: Candidate, limit: number | undefined, weightedTotal: number, cap: number): boolean {
  if (limit === undefined || !Number.isFinite(limit) || smallest.estimate >= cap) return false;
  return smallest.estimate * smallest.estimate < limit * weightedTotal;
}

function isOrdered(path: AccessPath): boolean {
  return (path.type === 'documents' || path.type === 'index') && path.ordered;
}

function minBy(candidates: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) if (best === undefined || candidate.estimate < best.estimate) best = candidate;
  return best;
}

function estimateOf(context: PlanContext, path: AccessPath, cap: number): number {
  if (path.type === 'documents') return context.countDocuments(path.range, cap);
  if (path.type === 'index') return context.countIndexKeys(path.ranges, cap);
  return path.names.length;
}

/** Paths whose value is the same in every match (single-value equality on a field no array holds). */
function fixedPaths(context: PlanContext, conditions: readonly FieldCondition[]): Set<string> {
  const fixed = new Set<string>();
  for (const condition of conditions) {
    if (condition.type !== 'in' || condition.values.length !== 1) continue;
    const index = context.indexes.sorted.find((candidate) => candidate.fields[0]?.[0] === condition.path);
    if (index !== undefined && !context.isMultikey(index)) fixed.add(condition.path);
  }
  return fixed;
}

/** The sort without the fields every match holds the same value in. */
function effectiveSort(sort: readonly SortKey[], fixed: ReadonlySet<string>): SortKey[] {
  return sort.filter(([path]) => !fixed.has(path));
}

/**
 * How a walk of `yields` (an order a path produces, ending with the name) gives `wanted`: forwards
 * or backwards, and whether each tie (keys equal but for the name) is read against the walk's
 * direction. The name's tie-break is ascending whichever way the values go, so "Z to A" from an
 * A-to-Z index is a backward walk reading each tie forwards, and its previous page (A to Z, names
 * descending) a forward walk reading each tie backwards.
 */
interface WalkOrder {
  readonly reverse: boolean;
  readonly tiesAgainstWalk: boolean;
}

function orderRelation(yields: readonly SortKey[], wanted: readonly SortKey[]): WalkOrder | undefined {
  if (yields.length !== wanted.length || yields.some(([path], index) => wanted[index]?.[0] !== path)) return undefined;
  const flipped = yields.map(([, direction], index) => wanted[index]?.[1] !== direction);
  const valuesFlipped = flipped.slice(0, -1);
  const nameFlipped = flipped[flipped.length - 1] === true;
  if (valuesFlipped.every((value) => value === nameFlipped)) return { reverse: nameFlipped, tiesAgainstWalk: false };
  // A tie is only a run of keys below the name when some value precedes it.
  if (valuesFlipped.length > 0 && valuesFlipped.every((value) => value === !nameFlipped)) return { reverse: !nameFlipped, tiesAgainstWalk: true };
  return undefined;
}

/** An index path's direction fields for a walk order. */
function walkDirection(order: WalkOrder | undefined): { reverse: boolean; tiesAgainstWalk?: true } {
  return { reverse: order?.reverse === true, ...(order?.tiesAgainstWalk === true ? { tiesAgainstWalk: true as const } : {}) };
}

function selectivePath(
  context: PlanContext,
  condition: FieldCondition,
  sort: readonly SortKey[],
  fixed: ReadonlySet<string>,
  seek: SeekBoundary | undefined,
  onlyClause: boolean,
): AccessPath | undefined {
  const wanted = effectiveSort(sort, fixed);
  if (condition.path === 'name') {
    const prefix = condition.type === 'prefix' ? condition.prefix : condition.type === 'like' ? condition.shape.prefix : '';
    if (prefix === '') return undefined;
    const relation = orderRelation([['name', 1]], wanted);
    const exact = onlyClause && ((condition.type === 'prefix' && condition.exact) || (condition.type === 'like' && condition.shape.afterPrefix === 'anything'));
    const seekName = relation === undefined ? undefined : seekNameOf(seek);
    return { type: 'documents', range: kindRange(context.kind, prefix), reverse: relation?.reverse === true, ordered: relation !== undefined, exact, ...(seekName === undefined ? {} : { seekName }) };
  }
  const index = context.indexes.sorted.find((candidate) => candidate.fields[0]?.[0] === condition.path);
  if (index === undefined) return undefined;
  const multikey = context.isMultikey(index);
  const [first, ...rest] = index.fields as [SortKey, ...SortKey[]];
  const restOrder: SortKey[] = [...rest, ['name', 1]];
  switch (condition.type) {
    case 'in': {
      const { values } = condition;
      const ranges = values.map((value) => prefixRange(Buffer.concat([index.prefix, indexKey([[value, first[1]]])])));
      const single = values.length === 1;
      const relation = single && !multikey ? orderRelation(restOrder, wanted) : undefined;
      const exact = onlyClause && rest.length === 0 && !values.some(isCutInKey) && (single || !multikey);
      const seekKey = relation === undefined || seek === undefined ? undefined : seekKeyOf(index, sort, seek, values[0]);
      return { type: 'index', ranges, ...walkDirection(relation), ordered: relation !== undefined, exact, mayRepeat: multikey && !single, ...(seekKey === undefined ? {} : { seek: seekKey }) };
    }
    case 'range': {
      const range = boundedRange(index, first[1], condition.lower, condition.upper);
      return { type: 'index', ranges: [range], reverse: false, ordered: false, exact: false, mayRepeat: multikey };
    }
    case 'prefix':
    case 'like': {
      const prefix = condition.type === 'prefix' ? condition.prefix : condition.shape.prefix;
      if (prefix === '' || first[1] !== 1) return undefined;
      const start = Buffer.concat([index.prefix, stringPrefixBytes(prefix)]);
      return { type: 'index', ranges: [{ start, end: afterPrefix(start) }], reverse: false, ordered: false, exact: false, mayRepeat: multikey };
    }
  }
}

/**
 * For names starting with a prefix that ends in `/` (a List under one parent) in the order of the
 * other fields of one of the {@link COLLECTION_OF_NAME} indexes (newest or oldest first, by
 * display name): a walk of that index's range for the prefix (a name starts with the prefix
 * exactly when its collection does) when one collection holds the whole range (the usual parent),
 * so the rest of the key is the sort's order and the walk can seek to a page token's boundary. Undefined otherwise: the documents' name range
 * then reads the same documents.
 */
function collectionPath(context: PlanContext, condition: FieldCondition, sort: readonly SortKey[], seek: SeekBoundary | undefined, onlyClause: boolean): AccessPath | undefined {
  if (condition.path !== 'name' || condition.type !== 'prefix' || !condition.prefix.endsWith('/')) return undefined;
  if (Buffer.byteLength(condition.prefix, 'utf8') > MAX_VALUE_BYTES) return undefined;
  // A kind may have several orders within a parent (newest first, by display name): the one of the sort.
  const ordered = context.indexes.sorted
    .filter((candidate) => candidate.fields[0]?.[0] === COLLECTION_OF_NAME)
    .map((candidate) => ({ index: candidate, relation: orderRelation([...candidate.fields.slice(1), ['name', 1]], sort) }))
    .find((candidate) => candidate.relation !== undefined);
  if (ordered === undefined) return undefined;
  const { index, relation } = ordered;
  const start = Buffer.concat([index.prefix, stringPrefixBytes(condition.prefix)]);
  const collection = context.soleFirstComponent(index, { start, end: afterPrefix(start) });
  // A collection as long as a key's cut may share its key part with another: not one order then.
  if (collection === undefined || collection.length >= MAX_VALUE_BYTES) return undefined;
  const exact = onlyClause && condition.exact;
  const within = prefixRange(Buffer.concat([index.prefix, collection]));
  const seekName = seekNameOf(seek);
  // A boundary from another collection (not a token of this query) is not sought; the filter still decides.
  const seekCollection = seekName === undefined ? undefined : collectionOfName(seekName);
  const seekKey =
    seek === undefined || seekCollection === undefined || !Buffer.concat([index.prefix, indexKey([[seekCollection, 1]])]).equals(within.start)
      ? undefined
      : seekKeyOf(index, sort, seek, seekCollection);
  return { type: 'index', ranges: [within], ...walkDirection(relation), ordered: true, exact, mayRepeat: false, ...(seekKey === undefined ? {} : { seek: seekKey }) };
}

/** A walk of the whole kind in the sort's order, if an index (or the name order) gives it. */
function walkPath(context: PlanContext, sort: readonly SortKey[], seek: SeekBoundary | undefined, countAll: boolean): AccessPath {
  const byName = orderRelation([['name', 1]], sort);
  if (byName !== undefined || countAll) {
    const seekName = byName === undefined ? undefined : seekNameOf(seek);
    return { type: 'documents', range: kindRange(context.kind), reverse: byName?.reverse === true, ordered: byName !== undefined, exact: false, ...(seekName === undefined ? {} : { seekName }) };
  }
  for (const index of context.indexes.sorted) {
    if (context.isMultikey(index)) continue;
    const relation = orderRelation([...index.fields, ['name', 1]], sort);
    if (relation === undefined) continue;
    const seekKey = seek === undefined ? undefined : seekKeyOf(index, sort, seek);
    return { type: 'index', ranges: [prefixRange(index.prefix)], ...walkDirection(relation), ordered: true, exact: false, mayRepeat: false, ...(seekKey === undefined ? {} : { seek: seekKey }) };
  }
  return { type: 'documents', range: kindRange(context.kind), reverse: false, ordered: false, exact: false };
}

/**
 * The index key of the boundary item (values aligned with `sort`), to start a walk at; the first
 * field's value is `fixedFirst` when an equality gives it (the sort need not hold that field).
 */
function seekKeyOf(index: SortedIndexDefinition, sort: readonly SortKey[], seek: SeekBoundary, fixedFirst?: unknown): Buffer | undefined {
  if (seek.values.length !== sort.length) return undefined;
  const valueOf = (path: string): unknown => seek.values[sort.findIndex(([candidate]) => candidate === path)];
  const name = valueOf('name');
  const known = (path: string, position: number): boolean => (position === 0 && fixedFirst !== undefined) || sort.some(([candidate]) => candidate === path);
  if (typeof name !== 'string' || index.fields.some(([path], position) => !known(path, position))) return undefined;
  const parts: KeyPart[] = index.fields.map(([path, direction], position) => [position === 0 && fixedFirst !== undefined ? fixedFirst : (valueOf(path) ?? null), direction]);
  return Buffer.concat([index.prefix, indexKey(parts), stringComponent(name)]);
}

function seekNameOf(seek: SeekBoundary | undefined): string | undefined {
  const last = seek?.values[seek.values.length - 1];
  return typeof last === 'string' ? last : undefined;
}

function prefixRange(prefix: Buffer): KeyRange {
  return { start: prefix, end: afterPrefix(prefix) };
}

/** The index range of values between the bounds, within their type (as MongoDB compares). */
function boundedRange(index: SortedIndexDefinition, direction: 1 | -1, lower: Bound | undefined, upper: Bound | undefined): KeyRange {
  const sample = (lower ?? upper)?.value;
  const typeStart = Buffer.concat([index.prefix, typeof sample === 'number' ? indexKey([[Number.NEGATIVE_INFINITY, 1]]) : indexKey([['', 1]])]);
  const typeEnd = afterPrefix(Buffer.concat([index.prefix, typeof sample === 'number' ? indexKey([[Number.POSITIVE_INFINITY, 1]]) : Buffer.of(0x40)]));
  if (direction === -1) {
    // A descending index holds the range too, mirrored; reading all of the type is still correct.
    return { start: index.prefix, end: afterPrefix(index.prefix) };
  }
  const start = lower === undefined ? typeStart : Buffer.concat([index.prefix, indexKey([[lower.value, 1]]).subarray(0, -1)]);
  const end = upper === undefined ? typeEnd : afterPrefix(Buffer.concat([index.prefix, indexKey([[upper.value, 1]]).subarray(0, -1)]));
  return { start, end };
}
