import { expect } from 'chai';
import { SlicedSet } from './slicedSet.js';

/** What a visit of slice `index` reaches. */
function visited<T>(set: SlicedSet<T>, index: number): T[] {
  const members: T[] = [];
  set.visit(index, (member) => members.push(member));
  return members;
}

/** Visits every slice once, so every member added so far is visited from then on. */
function settle<T>(set: SlicedSet<T>): void {
  for (let index = 0; index < set.sliceCount; index += 1) visited(set, index);
}

describe('SlicedSet', () => {
  it('should deal members round robin into its slices, each member in exactly one', () => {
    const set = new SlicedSet<string>(3);
    for (const member of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) set.add(member);
    settle(set);
    expect(visited(set, 0)).to.deep.equal(['a', 'd', 'g']);
    expect(visited(set, 1)).to.deep.equal(['b', 'e']);
    expect(visited(set, 2)).to.deep.equal(['c', 'f']);
    expect(set.size).to.equal(7);
    expect([...set].sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('should visit a member first at its slice\'s second visit after it joined, never at once', () => {
    const set = new SlicedSet<string>(2);
    settle(set);
    set.add('a');
    expect(visited(set, 0)).to.deep.equal([]);
    expect(visited(set, 1)).to.deep.equal([]);
    expect(visited(set, 0)).to.deep.equal(['a']);
    expect([...set]).to.deep.equal(['a']);
  });

  it('should ignore a member added twice and count a deletion once', () => {
    const set = new SlicedSet<string>(2);
    set.add('a');
    set.add('a');
    set.add('b');
    expect(set.size).to.equal(2);
    expect(set.delete('a')).to.equal(true);
    expect(set.delete('a')).to.equal(false);
    expect(set.has('a')).to.equal(false);
    expect(set.has('b')).to.equal(true);
    expect(set.size).to.equal(1);
    settle(set);
    expect([...visited(set, 0), ...visited(set, 1)]).to.deep.equal(['b']);
  });

  it('should wrap a slice index past the slice count', () => {
    const set = new SlicedSet<number>(4);
    for (let member = 0; member < 8; member += 1) set.add(member);
    settle(set);
    expect(visited(set, 5)).to.deep.equal(visited(set, 1));
  });

  it('should refuse a slice count that is not a positive whole number', () => {
    expect(() => new SlicedSet(0)).to.throw(RangeError, /positive whole number/);
    expect(() => new SlicedSet(1.5)).to.throw(RangeError, /positive whole number/);
  });
});
