/**
 * The planner's choice for a List under one parent: the collection index's ordered walk (which
 * stops at the page's end) when the sort is newest first, the documents' own order when it is by
 * name, and never the walk when the prefix holds several collections. The answers' correctness is
 * checked against a full evaluation in indexedQueries.int.spec.ts; this is about how much is read.
 */
import { expect } from 'chai';
import { choosePath, type PlanContext, type WalkFallback } from './accessPath.js';
import { filterShape } from './filterClauses.js';
import { ascendingComponentAt, indexKey } from './indexKey.js';
import { COLLECTION_OF_NAME, kindIndexesOf } from './kindIndexes.js';
import { normalizeSort } from '../normalizeSort.js';

const indexes = kindIndexesOf('Group', [{ 'metadata.createTime': -1, name: 1 }, { [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 }]);
const collectionIndex = indexes.sorted[1];

/** A context whose kind holds 50,000 documents, in one collection per parent unless `collections` says more. */
function context(collections: readonly string[]): PlanContext {
  return {
    kind: 'Group',
    indexes,
    isMultikey: () => false,
    countIndexKeys: (_ranges, cap) => Math.min(cap, 50_000),
    countDocuments: (_range, cap) => Math.min(cap, 50_000),
    documentCount: () => 50_000,
    soleFirstComponent: (index) => {
      if (collections.length !== 1) return undefined;
      const key = Buffer.concat([index.prefix, indexKey([[collections[0], 1]])]);
      return ascendingComponentAt(key, index.prefix.length);
    },
  };
}

const parent = { name: { $regex: '^projects/p1/groups/' } };

describe('choosePath for a List under one parent', () => {
  it('should walk the collection index in order, newest first, and seek to a page boundary', () => {
    const sort = normalizeSort({ 'metadata.createTime': -1 });
    const path = choosePath(context(['projects/p1/groups/']), filterShape(parent), sort, false, { values: ['2026-01-01T00:00:00.000000000Z', 'projects/p1/groups/g7'] });
    expect(path.type).to.equal('index');
    if (path.type !== 'index') return;
    expect(path.ordered).to.equal(true);
    expect(path.reverse).to.equal(false);
    expect(path.ranges[0]?.start.subarray(0, collectionIndex?.prefix.length).equals(collectionIndex?.prefix ?? Buffer.alloc(0))).to.equal(true);
    expect(path.seek, 'a page token seeks instead of skipping').to.not.equal(undefined);
  });

  it('should walk it backwards for oldest first with names descending', () => {
    const path = choosePath(context(['projects/p1/groups/']), filterShape(parent), normalizeSort({ 'metadata.createTime': 1, name: -1 }), false, undefined);
    expect(path).to.include({ type: 'index', ordered: true, reverse: true });
  });

  it('should walk it backwards tie by tie for oldest first with names ascending (the API\'s tie-break), seeking to a page boundary', () => {
    const path = choosePath(context(['projects/p1/groups/']), filterShape(parent), normalizeSort({ 'metadata.createTime': 1 }), false, { values: ['2026-01-01T00:00:00.000000000Z', 'projects/p1/groups/g7'] });
    expect(path).to.include({ type: 'index', ordered: true, reverse: true, tiesAgainstWalk: true });
    if (path.type !== 'index') return;
    expect(path.seek, 'a page token seeks').to.not.equal(undefined);
  });

  it('should walk a whole kind\'s index backwards tie by tie for oldest first, and Z to A by display name', () => {
    const whole = choosePath(context(['projects/p1/groups/']), filterShape(undefined), normalizeSort({ 'metadata.createTime': 1 }), false, undefined, 10);
    expect(whole).to.include({ type: 'index', ordered: true, reverse: true, tiesAgainstWalk: true });
    const both = kindIndexesOf('Group', [{ displayName: 1, name: 1 }, { [COLLECTION_OF_NAME]: 1, displayName: 1, name: 1 }]);
    const byDisplay = { ...context(['projects/p1/groups/']), indexes: both };
    expect(choosePath(byDisplay, filterShape(undefined), normalizeSort({ displayName: -1 }), false, undefined, 10)).to.include({ type: 'index', ordered: true, reverse: true, tiesAgainstWalk: true });
    expect(choosePath(byDisplay, filterShape(parent), normalizeSort({ displayName: -1 }), false, undefined, 10)).to.include({ type: 'index', ordered: true, reverse: true, tiesAgainstWalk: true });
    // The page before a page of Z to A (A to Z, names descending): forwards, each tie backwards.
    expect(choosePath(byDisplay, filterShape(undefined), normalizeSort({ displayName: 1, name: -1 }), false, { values: ['Kappa', 'projects/p1/groups/g7'] }, 10)).to.include({ type: 'index', ordered: true, reverse: false, tiesAgainstWalk: true });
    // Names descending too: the plain backward walk.
    const reversed = choosePath(byDisplay, filterShape(undefined), normalizeSort({ displayName: -1, name: -1 }), false, undefined, 10);
    expect(reversed).to.include({ type: 'index', ordered: true, reverse: true });
    expect(reversed).to.not.have.property('tiesAgainstWalk');
  });

  it('should walk the collection index of the sort when a kind has several orders within a parent (newest first, by display name)', () => {
    const both = kindIndexesOf('Group', [{ [COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1 }, { [COLLECTION_OF_NAME]: 1, displayName: 1, name: 1 }]);
    const display = both.sorted[1];
    const path = choosePath({ ...context(['projects/p1/groups/']), indexes: both }, filterShape(parent), normalizeSort({ displayName: 1 }), false, { values: ['Zeta', 'projects/p1/groups/g7'] });
    expect(path).to.include({ type: 'index', ordered: true, reverse: false });
    if (path.type !== 'index') return;
    expect(path.ranges[0]?.start.subarray(0, display?.prefix.length).equals(display?.prefix ?? Buffer.alloc(0))).to.equal(true);
    expect(path.seek, 'a page token seeks').to.not.equal(undefined);
  });

  it('should keep the documents’ name order when the sort is by name', () => {
    const path = choosePath(context(['projects/p1/groups/']), filterShape(parent), normalizeSort(undefined), false, undefined);
    expect(path).to.include({ type: 'documents', ordered: true });
  });

  it('should not claim an order when the prefix holds several collections', () => {
    const path = choosePath(context(['projects/p1/groups/', 'projects/p1/teams/']), filterShape({ name: { $regex: '^projects/p1/' } }), normalizeSort({ 'metadata.createTime': -1 }), false, undefined);
    expect(isOrderedWalk(path)).to.equal(false);
  });

  it('should not seek to a boundary from another parent', () => {
    const path = choosePath(context(['projects/p1/groups/']), filterShape(parent), normalizeSort({ 'metadata.createTime': -1 }), false, { values: ['2026-01-01T00:00:00.000000000Z', 'projects/p2/groups/g7'] });
    expect(path).to.include({ type: 'index', ordered: true });
    expect(path.type === 'index' ? path.seek : 'not an index path').to.equal(undefined);
  });
});

function isOrderedWalk(path: ReturnType<typeof choosePath>): boolean {
  return path.type === 'index' && path.ordered && path.ranges[0]?.start.subarray(0, collectionIndex?.prefix.length).equals(collectionIndex?.prefix ?? Buffer.alloc(0)) === true;
}

describe('choosePath between a walk in the sort order and reading a filter\'s matches whole', () => {
  const withRole = kindIndexesOf('RoleBinding', [{ 'metadata.createTime': -1, name: 1 }, { role: 1, name: 1 }]);
  /** A kind of `total` documents of which `matches` hold the role (counted up to the planner's cap). */
  function sized(total: number, matches: number, walkProbes = false): PlanContext {
    return {
      walkProbes: () => walkProbes,
      kind: 'RoleBinding',
      indexes: withRole,
      isMultikey: () => false,
      countIndexKeys: (_ranges, cap) => Math.min(cap, matches),
      countDocuments: (_range, cap) => Math.min(cap, total),
      documentCount: () => total,
      soleFirstComponent: () => undefined,
    };
  }
  const role = filterShape({ role: 'roles/r1' });
  const newestFirst = normalizeSort({ 'metadata.createTime': -1 });
  const roleRange = (path: ReturnType<typeof choosePath>): boolean => path.type === 'index' && !path.ordered && path.ranges[0]?.start.subarray(0, withRole.sorted[1]?.prefix.length).equals(withRole.sorted[1]?.prefix ?? Buffer.alloc(0)) === true;

  const fallbackOf = (path: ReturnType<typeof choosePath>): WalkFallback | undefined => (path.type === 'names' ? undefined : path.fallback);

  it('should walk 5,000 matches of 10M newest first with reading them whole as the fallback (a walk of the whole order would step over ~200k)', () => {
    const path = choosePath(sized(10_000_000, 5_000), role, newestFirst, false, undefined, 101);
    expect(path).to.include({ type: 'index', ordered: true });
    const fallback = fallbackOf(path);
    expect(fallback?.matches).to.equal(5_000);
    expect(fallback !== undefined && roleRange(fallback.path)).to.equal(true);
  });

  it('should only walk newest first when the matches are many (50,000 of 1M: ~2,000 read for the page)', () => {
    const path = choosePath(sized(1_000_000, 50_000), role, newestFirst, false, undefined, 101);
    expect(path).to.include({ type: 'index', ordered: true });
    expect(fallbackOf(path)).to.equal(undefined);
  });

  it('should only walk when the query has no page size to price it with', () => {
    expect(fallbackOf(choosePath(sized(10_000_000, 5_000), role, newestFirst, false, undefined, undefined))).to.equal(undefined);
  });

  it('should count past the old cap of 8,192 when the kind is large (20,000 of 10M: a fallback)', () => {
    expect(fallbackOf(choosePath(sized(10_000_000, 20_000), role, newestFirst, false, undefined, 101))?.matches).to.equal(20_000);
  });

  it('should price a walk that probes keys (an equality) at a tenth: 20,000 of 10M then walk alone, 5,000 still with the fallback', () => {
    expect(fallbackOf(choosePath(sized(10_000_000, 20_000, true), role, newestFirst, false, undefined, 101))).to.equal(undefined);
    expect(fallbackOf(choosePath(sized(10_000_000, 5_000, true), role, newestFirst, false, undefined, 101))?.matches).to.equal(5_000);
  });
});
