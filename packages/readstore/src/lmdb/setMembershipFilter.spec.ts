import { expect } from 'chai';
import { Query } from 'mingo';
import { meetsSetConditions, splitSetConditions } from './setMembershipFilter.js';

describe('setMembershipFilter', () => {
  const names = Array.from({ length: 100 }, (_unused, index) => `projects/p${index}`);
  const documents = [
    ...Array.from({ length: 300 }, (_unused, index) => ({ name: `projects/p${index}`, title: index % 2 === 0 ? 'even' : 'odd', ancestryPath: [`organizations/o${index % 7}`] })),
    { name: 'projects/none', title: 'even' },
  ];

  it('should answer exactly as mingo for large $in lists, alone, in $and, on array fields and beside other conditions', () => {
    const filters = [
      { name: { $in: names } },
      { $and: [{ name: { $in: names } }, { title: 'even' }] },
      { ancestryPath: { $in: Array.from({ length: 40 }, (_unused, index) => `organizations/o${index % 3 === 0 ? index : 100 + index}`) } },
      { name: { $in: names }, title: { $ne: 'odd' } },
      { $or: [{ name: { $in: names } }, { title: 'odd' }] },
    ];
    for (const filter of filters) {
      const { sets, rest } = splitSetConditions(filter);
      const rested = rest === undefined ? undefined : new Query(rest);
      const fast = documents.filter((document) => meetsSetConditions(document, sets) && (rested === undefined || rested.test(document))).map((document) => document.name);
      const slow = documents.filter((document) => new Query(filter).test(document)).map((document) => document.name);
      expect(fast, JSON.stringify(filter).slice(0, 80)).to.deep.equal(slow);
    }
  });

  it('should leave short lists, lists with null and top-level $or to mingo', () => {
    expect(splitSetConditions({ name: { $in: ['a', 'b'] } }).sets).to.deep.equal([]);
    expect(splitSetConditions({ name: { $in: [...names, null] } }).sets).to.deep.equal([]);
    expect(splitSetConditions({ $or: [{ name: { $in: names } }] }).sets).to.deep.equal([]);
  });
});
