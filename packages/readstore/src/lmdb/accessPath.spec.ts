/**
 * The planner's choice for a List under one parent: the collection index's ordered walk (which
 * stops at the page's end) when the sort is newest first, the documents' own order when it is by
 * name, and never the walk when the prefix holds several collections. The answers' correctness is
 * checked against a full evaluation in indexedQueries.int.spec.ts; this is about how much is read.
 */
import { expect } from 'chai';
import { choosePath, type PlanContext } from './accessPath.js';
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
