import { resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { parseFilter } from '../filter/parseFilter.js';
import { compileSort } from '../ordering/compileSort.js';
import { formatOrderBy, parseOrderBy } from '../ordering/orderBy.js';
import { compareDocuments, sortValuesOf } from '../ordering/sortValues.js';
import { expectError } from '../testing/expectError.js';
import { cursorQuery } from './cursorQuery.js';
import { pageQuery } from './pageQuery.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, resolvePageSize } from './pageSize.js';
import { decodePageToken, encodePageToken } from './pageToken.js';
import { queryFingerprint } from './queryFingerprint.js';

const roleBinding = resourceByKind('RoleBinding');

describe('parseOrderBy', () => {
  describe('having fields with and without directions', () => {
    describe('when parsed', () => {
      it('should canonicalise paths and append name as tie-break', () => {
        expect(formatOrderBy(parseOrderBy(roleBinding, 'member_type desc, metadata.labels.env ASC, spec_generation'))).to.equal(
          'memberType desc, metadata.labels.env asc, specGeneration asc, name asc',
        );
        expect(formatOrderBy(parseOrderBy(roleBinding, 'name desc'))).to.equal('name desc');
        expect(formatOrderBy(parseOrderBy(roleBinding, undefined))).to.equal('name asc');
      });
    });
  });

  describe('having invalid items', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['member sideways', 'invalid direction "sideways"'],
      ['member,,name', 'item 2 is empty'],
      ['member asc extra', 'expected "path [asc|desc]"'],
      ['nope', 'RoleBinding has no field path "nope"'],
      ['owned_objects', 'cannot sort by owned_objects'],
      ['metadata', 'cannot sort by metadata'],
      ['member, member desc', 'member desc is given twice'.replace('member desc', 'member')],
    ];
    for (const [text, message] of cases) {
      describe(`when parsing ${JSON.stringify(text)}`, () => {
        it('should be INVALID_ARGUMENT on order_by', () => {
          expectError(() => parseOrderBy(roleBinding, text), 'INVALID_ARGUMENT', message);
        });
      });
    }
  });
});

describe('compileSort', () => {
  describe('having an order_by', () => {
    describe('when compiled forwards and reversed', () => {
      it('should give the MongoDB sort in key order', () => {
        const orderBy = parseOrderBy(roleBinding, 'member desc');
        expect(Object.entries(compileSort(orderBy))).to.deep.equal([['member', -1], ['name', 1]]);
        expect(Object.entries(compileSort(orderBy, true))).to.deep.equal([['member', 1], ['name', -1]]);
      });
    });
  });
});

describe('compareDocuments', () => {
  describe('having absent values', () => {
    describe('when sorting ascending', () => {
      it('should put absent values first', () => {
        const orderBy = parseOrderBy(roleBinding, 'member');
        const sorted = [{ name: 'b', member: 'x' }, { name: 'a' }, { name: 'c', member: 'a' }].sort(compareDocuments(orderBy));
        expect(sorted.map((item) => item.name)).to.deep.equal(['a', 'c', 'b']);
        expect(sortValuesOf(orderBy, { name: 'a' })).to.deep.equal([null, 'a']);
      });
    });
  });
});

describe('cursorQuery', () => {
  describe('having a boundary with an absent value', () => {
    describe('when selecting after and before it', () => {
      it('should treat absent as lowest', () => {
        const orderBy = parseOrderBy(roleBinding, 'member');
        expect(cursorQuery(orderBy, [null, 'n'], 'after', false)).to.deep.equal({
          $or: [{ member: { $ne: null } }, { $and: [{ member: { $eq: null } }, { name: { $gt: 'n' } }] }],
        });
        expect(cursorQuery(orderBy, [null, 'n'], 'before', true)).to.deep.equal({
          $or: [{ $and: [{ member: { $eq: null } }, { $or: [{ name: { $eq: null } }, { name: { $lt: 'n' } }] }] }, { $and: [{ member: { $eq: null } }, { name: { $eq: 'n' } }] }],
        });
      });
    });
  });
});

describe('encodePageToken', () => {
  const orderBy = parseOrderBy(roleBinding, 'member');
  const fingerprint = queryFingerprint({ kind: 'RoleBinding', parent: 'projects/p1', filter: parseFilter(roleBinding, 'member = "a"'), orderBy });
  const token = { direction: 'prev' as const, inclusive: true, values: ['a', 'projects/p1/roleBindings/x'], fingerprint };

  describe('having a token', () => {
    describe('when decoded with the same key and query', () => {
      it('should round-trip', () => {
        expect(decodePageToken(encodePageToken(token, 'k'), 'k', fingerprint)).to.deep.equal(token);
      });
    });

    describe('when the same query is spelt differently', () => {
      it('should have the same fingerprint', () => {
        expect(queryFingerprint({ kind: 'RoleBinding', parent: 'projects/p1', filter: parseFilter(roleBinding, 'MEMBER  ==  "a" -- same'.replace('MEMBER', 'member')), orderBy: parseOrderBy(roleBinding, 'member asc, name') })).to.equal(fingerprint);
      });
    });

    describe('when used with a different filter, order or parent', () => {
      it('should be INVALID_ARGUMENT', () => {
        const text = encodePageToken(token, 'k');
        for (const other of [
          queryFingerprint({ kind: 'RoleBinding', parent: 'projects/p1', filter: parseFilter(roleBinding, 'member = "b"'), orderBy }),
          queryFingerprint({ kind: 'RoleBinding', parent: 'projects/p1', filter: parseFilter(roleBinding, 'member = "a"'), orderBy: parseOrderBy(roleBinding, 'member desc') }),
          queryFingerprint({ kind: 'RoleBinding', parent: 'projects/p2', filter: parseFilter(roleBinding, 'member = "a"'), orderBy }),
        ]) {
          expectError(() => decodePageToken(text, 'k', other), 'INVALID_ARGUMENT', 'different query');
        }
      });
    });

    describe('when tampered with, signed with another key, or malformed', () => {
      it('should be INVALID_ARGUMENT', () => {
        const text = encodePageToken(token, 'k');
        const [payload, signature] = text.split('.') as [string, string];
        const forged = Buffer.from(Buffer.from(payload, 'base64url').toString('utf8').replace('"a"', '"b"')).toString('base64url');
        expectError(() => decodePageToken(`${forged}.${signature}`, 'k', fingerprint), 'INVALID_ARGUMENT', 'altered');
        expectError(() => decodePageToken(text, 'other-key', fingerprint), 'INVALID_ARGUMENT', 'not issued by this service');
        for (const junk of ['', 'abc', 'a.b.c', '.x']) expectError(() => decodePageToken(junk, 'k', fingerprint), 'INVALID_ARGUMENT', 'page token');
      });
    });
  });
});

describe('pageQuery', () => {
  describe('having a base query and a next token', () => {
    describe('when planned', () => {
      it('should AND the cursor and fetch one extra item', () => {
        const orderBy = parseOrderBy(roleBinding, '');
        const plan = pageQuery({ query: { member: { $eq: 'a' } }, orderBy, pageSize: 10, token: { direction: 'next', inclusive: false, values: ['n'], fingerprint: 'f' } });
        expect(plan.query).to.deep.equal({ $and: [{ member: { $eq: 'a' } }, { name: { $gt: 'n' } }] });
        expect(plan.limit).to.equal(11);
        expect(plan.sort).to.deep.equal({ name: 1 });
      });
    });
  });
});

describe('resolvePageSize', () => {
  describe('having requested sizes', () => {
    describe('when resolved', () => {
      it('should default, cap and reject negatives', () => {
        expect(resolvePageSize(undefined)).to.equal(DEFAULT_PAGE_SIZE);
        expect(resolvePageSize(0)).to.equal(DEFAULT_PAGE_SIZE);
        expect(resolvePageSize(5)).to.equal(5);
        expect(resolvePageSize(MAX_PAGE_SIZE + 1)).to.equal(MAX_PAGE_SIZE);
        expectError(() => resolvePageSize(-1), 'INVALID_ARGUMENT', 'page_size');
      });
    });
  });
});
