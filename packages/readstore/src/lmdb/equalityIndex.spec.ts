import { expect } from 'chai';
import { equalityConditions } from './equalityIndex.js';

describe('equalityConditions', () => {
  it('should find plain and $eq equalities at the top level and inside nested $and', () => {
    const filter = {
      $and: [
        { $and: [{ businessTier: { $eq: 'SMALL' } }, { 'metadata.labels.env': 'prod' }] },
        { title: { $regex: '^project' } },
        { generation: { $eq: 3 } },
      ],
    };
    expect(equalityConditions(filter)).to.deep.equal([
      ['businessTier', 'SMALL'],
      ['metadata.labels.env', 'prod'],
      ['generation', 3],
    ]);
  });

  it('should not take conditions under $or, or $eq next to other operators, as equalities that must hold', () => {
    expect(equalityConditions({ $or: [{ a: 'x' }, { b: 'y' }] })).to.deep.equal([]);
    expect(equalityConditions({ a: { $eq: 'x', $ne: 'y' } })).to.deep.equal([]);
    expect(equalityConditions({ a: { $eq: null } })).to.deep.equal([]);
  });
});
