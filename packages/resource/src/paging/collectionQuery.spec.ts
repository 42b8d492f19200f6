import { KeystreamError, resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { andQueries, collectionQuery } from './collectionQuery.js';

describe('collectionQuery', () => {
  const roleBindings = resourceByKind('RoleBinding');

  describe('having a parent, a filter and an extra condition', () => {
    it('should conjoin them in that order and bind the fingerprint to all of them', () => {
      const compiled = collectionQuery(roleBindings, { parent: 'projects/p1', filter: 'member = "user:a@b.c"', orderBy: '' }, { query: { x: 1 }, fingerprint: 'phrase' });
      expect(compiled.parent).to.equal('projects/p1');
      expect(compiled.query).to.deep.equal({
        $and: [{ name: { $regex: '^projects/p1/roleBindings/' } }, { member: { $eq: 'user:a@b.c' } }, { x: 1 }],
      });
      const other = collectionQuery(roleBindings, { parent: 'projects/p1', filter: 'member = "user:a@b.c"' }, { query: { x: 1 }, fingerprint: 'another' });
      expect(other.fingerprint).to.not.equal(compiled.fingerprint);
    });
  });

  describe('having only blanks', () => {
    it('should select everything, ordered by name', () => {
      const compiled = collectionQuery(roleBindings, { parent: '', filter: '  ' });
      expect([compiled.parent, compiled.filter, compiled.query]).to.deep.equal([undefined, undefined, {}]);
      expect(compiled.orderBy.fields.map((field) => field.path)).to.deep.equal(['name']);
    });
  });

  describe('having a parent of another kind', () => {
    it('should refuse it naming the parent', () => {
      expect(() => collectionQuery(roleBindings, { parent: 'users/u1' }))
        .to.throw(KeystreamError)
        .with.property('code', 'INVALID_ARGUMENT');
    });
  });
});

describe('andQueries', () => {
  it('should leave out empty queries and not wrap a single one', () => {
    expect(andQueries({}, { a: 1 }, {})).to.deep.equal({ a: 1 });
    expect(andQueries({}, {})).to.deep.equal({});
  });
});
