import { expect } from 'chai';
import fc from 'fast-check';
import { filterQuery, toMongoDriverQuery } from './filterQuery.js';
import { likeMatcher, likeShape } from './likeMatcher.js';
import { likeRegex } from './likeRegex.js';

/** The plain (backtracking) meaning of a LIKE pattern, as a reference on small inputs. */
function referenceRegex(pattern: string): RegExp {
  let source = '^';
  const chars = Array.from(pattern);
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] as string;
    if (char === '\\' && index + 1 < chars.length) source += (chars[++index] as string).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${source}$`, 'u');
}

/**
 * JavaScript has no atomic groups; `(?=(X))\N` is their exact equivalent (the lookahead commits to
 * its first match, the backreference consumes it), so MongoDB's regex can be checked here.
 */
function asJavaScript(pcre: string): RegExp {
  let group = 0;
  const source = pcre.replace(/\(\?>((?:[^()\\]|\\.|\[(?:[^\]\\]|\\.)*\])*)\)/g, (_match, inner: string) => {
    group += 1;
    return `(?=(${inner}))\\${group}`;
  });
  return new RegExp(source, 'u');
}

const alphabet = fc.constantFrom('a', 'b', '%', '_', '\\', '\n', 'é', '😀');
const patternArbitrary = fc.array(alphabet, { maxLength: 10 }).map((chars) => chars.join(''));
const valueArbitrary = fc.array(fc.constantFrom('a', 'b', '%', '_', '\\', '\n', 'é', '😀'), { maxLength: 14 }).map((chars) => chars.join(''));

describe('likeMatcher', () => {
  describe('having random patterns and values', () => {
    describe('when matched', () => {
      it('should agree with the backtracking meaning of LIKE, and so should the MongoDB regex', () => {
        fc.assert(
          fc.property(patternArbitrary, valueArbitrary, (pattern, value) => {
            const expected = referenceRegex(pattern).test(value);
            expect(likeMatcher(pattern).test(value), `${JSON.stringify(pattern)} ~ ${JSON.stringify(value)}`).to.equal(expected);
            expect(asJavaScript(likeRegex(pattern)).test(value), `regex of ${JSON.stringify(pattern)} ~ ${JSON.stringify(value)}`).to.equal(expected);
          }),
          { numRuns: 5000 },
        );
      });
    });
  });

  describe('having patterns longer than one machine word', () => {
    describe('when matched', () => {
      it('should carry states across words', () => {
        const long = `${'a_'.repeat(40)}%b`;
        expect(likeMatcher(long).test(`${'ax'.repeat(40)}zzzb`)).to.equal(true);
        expect(likeMatcher(long).test(`${'ax'.repeat(39)}zzzb`)).to.equal(false);
        expect(likeMatcher(`%${'ab'.repeat(50)}%`).test(`xx${'ab'.repeat(50)}yy`)).to.equal(true);
      });
    });
  });

  describe('having patterns that make a backtracking regex explode', () => {
    describe('when matched against long values', () => {
      it('should answer (a backtracking engine would not finish within the test timeout)', () => {
        const value = 'a'.repeat(20_000);
        expect(likeMatcher('%a%a%a%a%a%a%a%a%a%a%a%a%b').test(value)).to.equal(false);
        expect(likeMatcher(`%${'_%'.repeat(30)}b`).test(value)).to.equal(false);
        expect(likeMatcher('%a%a%a%a%a%a%a%a%a%a%a%a%a').test(value)).to.equal(true);
      });
    });
  });
});

describe('toMongoDriverQuery', () => {
  describe('having $like anywhere a condition may be', () => {
    describe('when rewritten', () => {
      it('should turn every $like into an anchored $regex and leave values alone', () => {
        const query = { $and: [{ a: { $like: 'x%' } }, { $nor: [{ b: { $elemMatch: { c: { $like: '%y' } } } }] }, { d: { $eq: { $like: 'kept' } } }] };
        expect(toMongoDriverQuery(query)).to.deep.equal({
          $and: [{ a: { $regex: '^x[\\s\\S]*$' } }, { $nor: [{ b: { $elemMatch: { c: { $regex: '^[\\s\\S]*y$' } } } }] }, { d: { $eq: { $like: 'kept' } } }],
        });
      });
    });
  });
});

describe('filterQuery', () => {
  describe('having a $like on a path through a repeated message', () => {
    describe('when tested', () => {
      it('should match when any element matches', () => {
        const query = filterQuery({ 'grants.subScope': { $like: 'regions/%' } });
        expect(query.test({ grants: [{ subScope: 'zones/a' }, { subScope: 'regions/eu' }] })).to.equal(true);
        expect(query.test({ grants: [{ subScope: 'zones/a' }] })).to.equal(false);
        expect(query.test({})).to.equal(false);
      });
    });
  });
});

describe('likeShape', () => {
  it('should give the literal runs, unescaped, and what follows the literal prefix', () => {
    expect(likeShape('abc%')).to.deep.equal({ runs: ['abc'], prefix: 'abc', afterPrefix: 'anything' });
    expect(likeShape('abc%%')).to.deep.equal({ runs: ['abc'], prefix: 'abc', afterPrefix: 'anything' });
    expect(likeShape('abc')).to.deep.equal({ runs: ['abc'], prefix: 'abc', afterPrefix: 'nothing' });
    expect(likeShape('a\\%b_c%')).to.deep.equal({ runs: ['a%b', 'c'], prefix: 'a%b', afterPrefix: 'more' });
    expect(likeShape('%x%y%')).to.deep.equal({ runs: ['x', 'y'], prefix: '', afterPrefix: 'more' });
    expect(likeShape('ab%c')).to.deep.equal({ runs: ['ab', 'c'], prefix: 'ab', afterPrefix: 'more' });
  });
});
