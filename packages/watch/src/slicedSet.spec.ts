import { expect } from 'chai';
import { SlicedSet } from './slicedSet.js';

describe('SlicedSet', () => {
  it('should deal members round robin into its slices, each member in exactly one', () => {
    const set = new SlicedSet<string>(3);
    for (const member of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) set.add(member);
    expect([...set.slice(0)]).to.deep.equal(['a', 'd', 'g']);
    expect([...set.slice(1)]).to.deep.equal(['b', 'e']);
    expect([...set.slice(2)]).to.deep.equal(['c', 'f']);
    expect(set.size).to.equal(7);
    expect([...set].sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
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
    expect([...set.slice(0), ...set.slice(1)]).to.deep.equal(['b']);
  });

  it('should wrap a slice index past the slice count', () => {
    const set = new SlicedSet<number>(4);
    for (let member = 0; member < 8; member += 1) set.add(member);
    expect([...set.slice(5)]).to.deep.equal([...set.slice(1)]);
  });

  it('should refuse a slice count that is not a positive whole number', () => {
    expect(() => new SlicedSet(0)).to.throw(RangeError, /positive whole number/);
    expect(() => new SlicedSet(1.5)).to.throw(RangeError, /positive whole number/);
  });
});
