import { resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from '../testing/expectError.js';
import { compileFilter } from './compileFilter.js';
import { filterQuery } from './filterQuery.js';
import { MAX_FILTER_DEPTH, parseFilter } from './parseFilter.js';

const roleBinding = resourceByKind('RoleBinding');
const role = resourceByKind('Role');

function compiled(text: string, descriptor = roleBinding): unknown {
  return compileFilter(parseFilter(descriptor, text));
}

function matches(text: string, document: Record<string, unknown>, descriptor = roleBinding): boolean {
  return filterQuery(compileFilter(parseFilter(descriptor, text))).test(document);
}

const doc = {
  name: 'projects/p1/roleBindings/rb1',
  role: 'projects/p1/roles/admin',
  member: 'user:alice@example.com',
  category: 'OWNER',
  specGeneration: 3,
  hasOwnedObjects: true,
  ownedObjects: ['a', 'b'],
  metadata: { labels: { env: 'prod', tier: 'gold' }, createTime: '2024-01-01T10:00:00.000000000Z', ownerReferences: [{ kind: 'k', name: 'n1' }] },
};

describe('parseFilter', () => {
  describe('having an empty or comment-only filter', () => {
    describe('when parsed and compiled', () => {
      it('should match everything', () => {
        expect(compiled('')).to.deep.equal({});
        expect(compiled('  -- nothing here\n')).to.deep.equal({});
        expect(compileFilter(parseFilter(roleBinding, undefined))).to.deep.equal({});
      });
    });
  });

  describe('having each comparison operator', () => {
    describe('when compiled', () => {
      it('should produce the MongoDB operator, with == read as =', () => {
        expect(compiled('member = "x"')).to.deep.equal({ member: { $eq: 'x' } });
        expect(compiled('member == "x"')).to.deep.equal({ member: { $eq: 'x' } });
        expect(compiled('member != "x"')).to.deep.equal({ $nor: [{ member: { $eq: 'x' } }] });
        expect(compiled('spec_generation < 1')).to.deep.equal({ specGeneration: { $lt: 1 } });
        expect(compiled('spec_generation <= 1')).to.deep.equal({ specGeneration: { $lte: 1 } });
        expect(compiled('specGeneration > 1')).to.deep.equal({ specGeneration: { $gt: 1 } });
        expect(compiled('specGeneration >= "2"')).to.deep.equal({ specGeneration: { $gte: 2 } });
      });
    });
  });

  describe('having enum comparisons', () => {
    describe('when compiled', () => {
      it('should accept names bare, quoted or as numbers, and order by number', () => {
        expect(compiled('category = OWNER')).to.deep.equal({ category: { $eq: 'OWNER' } });
        expect(compiled('category = 3')).to.deep.equal({ category: { $eq: 'OWNER' } });
        expect(compiled('category > "SERVICE"')).to.deep.equal({ category: { $in: ['AGENT', 'USER'] } });
        expect(matches('category >= INTERNAL', doc)).to.equal(true);
        expect(matches('category < OWNER', doc)).to.equal(false);
      });
    });
  });

  describe('having timestamps', () => {
    describe('when compiled', () => {
      it('should normalise the value to the stored form', () => {
        expect(compiled('metadata.create_time >= "2024-01-01T11:00:00+01:00"')).to.deep.equal({ 'metadata.createTime': { $gte: '2024-01-01T10:00:00.000000000Z' } });
        expect(matches('metadata.create_time >= "2024-01-01T11:00:00+01:00"', doc)).to.equal(true);
        expect(matches('metadata.create_time > "2024-01-01T10:00:00.000000001Z"', doc)).to.equal(false);
      });
    });
  });

  describe('having IS [NOT] NULL', () => {
    describe('when compiled', () => {
      it('should treat absent, null and empty lists and maps as null', () => {
        expect(compiled('member IS NULL')).to.deep.equal({ member: { $eq: null } });
        expect(compiled('member = null')).to.deep.equal({ member: { $eq: null } });
        expect(compiled('member is not null')).to.deep.equal({ $nor: [{ member: { $eq: null } }] });
        expect(compiled('owned_objects IS NULL')).to.deep.equal({ $or: [{ ownedObjects: { $eq: null } }, { ownedObjects: { $size: 0 } }] });
        expect(matches('owned_objects IS NULL', { ownedObjects: [] })).to.equal(true);
        expect(matches('metadata.labels IS NULL', { metadata: { labels: {} } })).to.equal(true);
        expect(matches('metadata.labels IS NOT NULL', doc)).to.equal(true);
      });
    });
  });

  describe('having IS NAN', () => {
    describe('when parsed', () => {
      it('should be INVALID_ARGUMENT: the contract has no floating-point field', () => {
        expectError(() => parseFilter(roleBinding, 'spec_generation IS NAN'), 'INVALID_ARGUMENT', 'floating-point');
        expectError(() => parseFilter(roleBinding, 'spec_generation IS NOT NAN'), 'INVALID_ARGUMENT', 'IS NOT NAN');
      });
    });
  });

  describe('having [NOT] IN with either bracket', () => {
    describe('when compiled', () => {
      it('should produce $in, negated with $nor', () => {
        expect(compiled('member IN ("a", "b")')).to.deep.equal({ member: { $in: ['a', 'b'] } });
        expect(compiled('member in ["a"]')).to.deep.equal({ member: { $in: ['a'] } });
        expect(compiled('member NOT IN ("a")')).to.deep.equal({ $nor: [{ member: { $in: ['a'] } }] });
        expect(compiled('category IN (OWNER, 1)')).to.deep.equal({ category: { $in: ['OWNER', 'PUBLIC'] } });
      });
    });
  });

  describe('having CONTAINS and its aliases', () => {
    describe('when compiled', () => {
      it('should test list elements with VALUE, ANY and ALL', () => {
        expect(compiled('owned_objects CONTAINS "a"')).to.deep.equal({ ownedObjects: { $eq: 'a' } });
        expect(compiled('owned_objects CONTAIN VALUE "a"')).to.deep.equal({ ownedObjects: { $eq: 'a' } });
        expect(compiled('owned_objects HAS ANY ("a", "b")')).to.deep.equal({ $or: [{ ownedObjects: { $eq: 'a' } }, { ownedObjects: { $eq: 'b' } }] });
        expect(compiled('owned_objects HAVE ALL ["a", "b"]')).to.deep.equal({ $and: [{ ownedObjects: { $eq: 'a' } }, { ownedObjects: { $eq: 'b' } }] });
        expect(matches('owned_objects HAVE ALL ["a", "b"]', doc)).to.equal(true);
        expect(matches('owned_objects HAVE ALL ["a", "c"]', doc)).to.equal(false);
      });

      it('should test map keys on a map, and elements by their given fields on a repeated message', () => {
        expect(compiled('metadata.labels HAS "env"')).to.deep.equal({ 'metadata.labels.env': { $exists: true } });
        expect(matches('metadata.owner_references CONTAINS {kind: "k", name: "n1"}', doc)).to.equal(true);
        expect(matches('metadata.owner_references CONTAINS {name: "n2"}', doc)).to.equal(false);
      });
    });
  });

  describe('having LIKE', () => {
    describe('when compiled', () => {
      it('should translate % and _ with backslash escapes', () => {
        expect(compiled('member LIKE "a%b_c\\\\%"')).to.deep.equal({ member: { $like: 'a%b_c\\%' } });
        expect(matches('member LIKE "user:%@example.com"', doc)).to.equal(true);
        expect(matches('member LIKE "user:_lice@%"', doc)).to.equal(true);
        expect(matches('member LIKE "user:_ice@%"', doc)).to.equal(false);
        expect(matches('member LIKE "user:a.ice%"', doc)).to.equal(false);
      });
    });
  });

  describe('having references with wildcards', () => {
    describe('when compiled', () => {
      it('should match any id at a - segment', () => {
        expect(compiled('role = "projects/-/roles/admin"')).to.deep.equal({ role: { $regex: '^projects/[^/]+/roles/admin$' } });
        expect(matches('role = "projects/-/roles/admin"', doc)).to.equal(true);
        expect(matches('role != "projects/-/roles/-"', doc)).to.equal(false);
        expect(matches('role IN ("projects/p2/roles/-", "projects/p1/roles/-")', doc)).to.equal(true);
        expect(matches('name = "projects/-/roleBindings/rb1"', doc)).to.equal(true);
      });
    });
  });

  describe('having object literals', () => {
    describe('when compiled', () => {
      it('should compare maps whole, regardless of key order', () => {
        expect(matches('metadata.labels = {tier: "gold", env: "prod"}', doc)).to.equal(true);
        expect(matches('metadata.labels = {"env": "prod"}', doc)).to.equal(false);
        expect(matches('metadata.labels != {env "prod" tier "gold"}', doc)).to.equal(false);
      });
    });
  });

  describe('having AND, OR, NOT, implicit AND, + and |, and parentheses', () => {
    describe('when compiled', () => {
      it('should bind AND tighter than OR', () => {
        expect(compiled('member = "a" OR member = "b" AND role = "projects/p1/roles/rr"')).to.deep.equal({
          $or: [{ member: { $eq: 'a' } }, { $and: [{ member: { $eq: 'b' } }, { role: { $eq: 'projects/p1/roles/rr' } }] }],
        });
        expect(compiled('member = "a" member = "b"')).to.deep.equal({ $and: [{ member: { $eq: 'a' } }, { member: { $eq: 'b' } }] });
        expect(compiled('member = "a" + member = "b" | member = "c"')).to.deep.equal({
          $or: [{ $and: [{ member: { $eq: 'a' } }, { member: { $eq: 'b' } }] }, { member: { $eq: 'c' } }],
        });
        expect(compiled('not (member = "a" or member = "b")')).to.deep.equal({ $nor: [{ $or: [{ member: { $eq: 'a' } }, { member: { $eq: 'b' } }] }] });
        expect(compiled('NOT NOT has_owned_objects = true -- comment')).to.deep.equal({ $nor: [{ $nor: [{ hasOwnedObjects: { $eq: true } }] }] });
      });
    });
  });

  describe('having strings with escapes and map keys in paths', () => {
    describe('when compiled', () => {
      it('should unescape the string and keep the key verbatim', () => {
        expect(compiled('metadata.labels.my_key = "a\\"b\\\\c\\n\\u0041"')).to.deep.equal({ 'metadata.labels.my_key': { $eq: 'a"b\\c\nA' } });
      });
    });
  });

  describe('having fields below repeated messages', () => {
    describe('when compiled', () => {
      it('should match when any element matches', () => {
        const document = { grants: [{ subScope: 'a' }, { subScope: 'b' }] };
        expect(matches('grants.sub_scope = "b"', document, role)).to.equal(true);
        expect(matches('grants.sub_scope = "c"', document, role)).to.equal(false);
      });
    });
  });

  describe('having syntax errors', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['member =', 'at column 9: expected a value'],
      ['member = "a" AND', 'at column 17: expected a field path, NOT or "("'],
      ['(member = "a"', 'at column 14: expected ")" to close the "(" at column 1'],
      ['member => "a"', 'at column 8: invalid operator "=>"'],
      ['member "a"', 'at column 8: expected an operator after member'],
      ['member = "a', 'at column 10: unterminated string'],
      ['member = "\\q"', 'at column 11: invalid escape'],
      ['member = "a")', 'at column 13: expected AND, OR or the end of the filter'],
      ['member IS "a"', 'at column 11: expected NULL or NAN after IS'],
      ['member NOT LIKE "a"', 'at column 12: expected IN after member NOT'],
      ['member IN "a"', 'at column 11: expected a list'],
      ['member IN ("a" "b")', 'at column 16: expected "," or ")" in the list'],
      ['member = #', 'at column 10: unexpected character "#"'],
      ['member = 1.2.3', 'at column 10: invalid number'],
      ['member = "a"\nAND member', 'line 2, column 11: expected an operator after member'],
    ];
    for (const [text, message] of cases) {
      describe(`when parsing ${JSON.stringify(text)}`, () => {
        it('should be INVALID_ARGUMENT saying where and what was expected', () => {
          expectError(() => parseFilter(roleBinding, text), 'INVALID_ARGUMENT', message);
        });
      });
    }
  });

  describe('having type errors', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['nope = 1', 'at column 1: RoleBinding has no field path "nope"'],
      ['member = 1', 'member expects a quoted string, found the number 1'],
      ['spec_generation = "x"', 'expects an integer (int64)'],
      ['spec_generation = 1.5', 'expects an integer (int64)'],
      ['has_owned_objects = "true"', 'expects true or false'],
      ['category = BOSS', 'expects a Role.Category value (UNDEFINED, PUBLIC'],
      ['metadata.create_time > "yesterday"', 'expected an RFC 3339 timestamp'],
      ['role = "projects/p1/groups/g"', 'is not a valid Role name'],
      ['owned_objects = "a"', 'does not apply to the repeated field ownedObjects: use CONTAINS'],
      ['owned_objects < "a"', 'does not apply to the repeated field'],
      ['has_owned_objects < true', '< orders strings, numbers, timestamps and enums'],
      ['member < null', 'use IS NULL'],
      ['member CONTAINS "a"', 'CONTAINS applies to repeated and map fields'],
      ['owned_objects LIKE "a"', 'LIKE applies to string fields'],
      ['member LIKE 1', 'expected a quoted pattern after LIKE'],
      ['owned_objects IN ("a")', 'IN applies to scalar and enum fields'],
      ['metadata.labels = {"a.b": "x"}', 'cannot be queried'],
      ['metadata = {nope: 1}', 'Meta has no field "nope"'],
      ['metadata.labels.env = prod', 'expects a quoted string, found the bare word prod'],
    ];
    for (const [text, message] of cases) {
      describe(`when parsing ${JSON.stringify(text)}`, () => {
        it('should be INVALID_ARGUMENT explaining the mismatch', () => {
          expectError(() => parseFilter(roleBinding, text), 'INVALID_ARGUMENT', message);
        });
      });
    }
  });

  describe('having a filter nested too deep', () => {
    describe('when parsed', () => {
      it('should be INVALID_ARGUMENT before recursing further', () => {
        const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}member = "a"${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
        expectError(() => parseFilter(roleBinding, deep), 'INVALID_ARGUMENT', 'nested deeper than');
        expectError(() => parseFilter(roleBinding, `${'NOT '.repeat(MAX_FILTER_DEPTH + 1)}member = "a"`), 'INVALID_ARGUMENT', 'nested deeper than');
      });
    });
  });

  describe('having a filter too long', () => {
    describe('when parsed', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => parseFilter(roleBinding, `member = "${'a'.repeat(200_000)}"`), 'INVALID_ARGUMENT', 'longer than');
      });
    });
  });
});

describe('assertFilterCost', () => {
  describe('having filters over the cost bound', () => {
    const over = [
      ['many conditions', Array.from({ length: 2100 }, (_unused, index) => `member = "user:u${index}@x.com"`).join(' OR ')],
      ['a long IN list', `member IN [${Array.from({ length: 2100 }, (_unused, index) => `"user:u${index}@x.com"`).join(', ')}]`],
      ['many LIKEs', Array.from({ length: 300 }, () => 'member LIKE "%a%"').join(' OR ')],
      ['a huge LIKE pattern', `member LIKE "${'%a'.repeat(600)}"`],
    ] as const;
    for (const [label, text] of over) {
      describe(`when parsing ${label}`, () => {
        it('should be INVALID_ARGUMENT on filter', () => {
          const error = expectError(() => parseFilter(roleBinding, text), 'INVALID_ARGUMENT');
          expect(JSON.stringify(error.details)).to.match(/costs \d+ units|LIKE pattern is \d+ characters/);
        });
      });
    }
  });

  describe('having an ordinary filter', () => {
    describe('when parsed', () => {
      it('should be accepted', () => {
        expect(() => parseFilter(roleBinding, 'member LIKE "user:%a%a%a%a%b" AND role = "projects/p1/roles/admin"')).not.to.throw();
      });
    });
  });
});
