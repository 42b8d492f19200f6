/**
 * Property: for random documents and random filters, the compiled MongoDB query evaluated by mingo
 * agrees with a reference evaluator written from the grammar's meaning (not from the compiler).
 * Each generated filter carries its own meaning as a predicate, built alongside its text, so the
 * reference depends on neither the parser nor the compiler.
 */
import { resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import fc from 'fast-check';
import { compileFilter } from './compileFilter.js';
import { filterQuery } from './filterQuery.js';
import { parseFilter } from './parseFilter.js';

const descriptor = resourceByKind('RoleBinding');
const CATEGORIES = ['UNDEFINED', 'PUBLIC', 'INTERNAL', 'OWNER', 'SERVICE', 'AGENT', 'USER'];
const WORDS = ['ab', 'abc', 'b', 'ba', 'x_y', 'a%b'];
const KEYS = ['env', 'tier', 'k-1'];
const TIMES_MS = [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 0, 1), Date.UTC(2024, 5, 30, 23, 59, 59, 500)];

type Doc = Record<string, unknown>;
interface Generated {
  readonly text: string;
  readonly matches: (doc: Doc) => boolean;
}

function get(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** The stored form of a millisecond time (what the read store holds). */
function stored(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}

/** Another spelling of the same instant, with an offset, to exercise normalisation. */
function spelled(ms: number, offsetHours: number): string {
  const local = new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 23);
  const sign = offsetHours >= 0 ? '+' : '-';
  return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
}

/** SQL LIKE by dynamic programming: a different method from the compiler's regex translation. */
function like(text: string, pattern: string): boolean {
  const tokens: { any: boolean; one: boolean; char: string }[] = [];
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) tokens.push({ any: false, one: false, char: pattern[++index] as string });
    else tokens.push({ any: char === '%', one: char === '_', char });
  }
  let row = new Array<boolean>(text.length + 1).fill(false);
  row[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    for (let position = 0; position <= text.length; position++) {
      if (token.any) next[position] = row[position] === true || (position > 0 && next[position - 1] === true);
      else if (position > 0) next[position] = row[position - 1] === true && (token.one || text[position - 1] === token.char);
    }
    row = next;
  }
  return row[text.length] === true;
}

function keyword(word: string): fc.Arbitrary<string> {
  return fc.constantFrom(word.toUpperCase(), word.toLowerCase());
}

const compareOps = fc.constantFrom('=', '==', '!=', '<', '<=', '>', '>=');

function order(op: string, cmp: number): boolean {
  switch (op) {
    case '=':
    case '==':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

/** a op b where an absent a satisfies only != (it equals nothing and orders against nothing). */
function compareValues(op: string, value: unknown, bound: unknown, cmp: (left: never, right: never) => number): boolean {
  if (isAbsent(value)) return op === '!=';
  return order(op, cmp(value as never, bound as never));
}

const byJs = (left: string | number, right: string | number): number => (left < right ? -1 : left > right ? 1 : 0);

const stringField = fc.constantFrom(['member', 'member'], ['member_type', 'memberType'], ['metadata.labels.env', 'metadata.labels.env']);

const leaf: fc.Arbitrary<Generated> = fc.oneof(
  // comparisons on strings, numbers, enums, booleans, timestamps
  fc.tuple(stringField, compareOps, fc.constantFrom(...WORDS)).map(([[written, path], op, word]) => ({
    text: `${written} ${op} ${JSON.stringify(word)}`,
    matches: (doc: Doc) => compareValues(op, get(doc, path), word, byJs),
  })),
  fc.tuple(compareOps, fc.integer({ min: -1, max: 6 })).map(([op, n]) => ({
    text: `spec_generation ${op} ${n}`,
    matches: (doc: Doc) => compareValues(op, get(doc, 'specGeneration'), n, byJs),
  })),
  fc.tuple(compareOps, fc.constantFrom(...CATEGORIES), fc.boolean()).map(([op, name, quoted]) => ({
    text: `category ${op} ${quoted ? JSON.stringify(name) : name}`,
    matches: (doc: Doc) => compareValues(op, get(doc, 'category'), name, (left: string, right: string) => CATEGORIES.indexOf(left) - CATEGORIES.indexOf(right)),
  })),
  fc.tuple(fc.constantFrom('=', '!='), fc.boolean()).map(([op, flag]) => ({
    text: `hasOwnedObjects ${op} ${String(flag)}`,
    matches: (doc: Doc) => compareValues(op, get(doc, 'hasOwnedObjects'), flag, (left: boolean, right: boolean) => Number(left) - Number(right)),
  })),
  fc.tuple(compareOps, fc.constantFrom(...TIMES_MS), fc.integer({ min: -3, max: 3 })).map(([op, ms, offset]) => ({
    text: `metadata.create_time ${op} "${spelled(ms, offset)}"`,
    matches: (doc: Doc) => compareValues(op, get(doc, 'metadata.createTime'), ms, (left: string, right: number) => Date.parse(left) - right),
  })),
  // IS [NOT] NULL, on a scalar, an enum, a repeated field, a map and a map entry
  fc.tuple(
    fc.constantFrom(['member', 'member', 'single'], ['category', 'category', 'single'], ['owned_objects', 'ownedObjects', 'repeated'], ['metadata.labels', 'metadata.labels', 'map'], ['metadata.labels.tier', 'metadata.labels.tier', 'single'], ['metadata', 'metadata', 'single']),
    fc.boolean(),
  ).map(([[written, path, shape], negated]) => ({
    text: `${written} IS ${negated ? 'NOT ' : ''}NULL`,
    matches: (doc: Doc) => {
      const value = get(doc, path);
      const empty = isAbsent(value) || (shape === 'repeated' && (value as unknown[]).length === 0) || (shape === 'map' && Object.keys(value as object).length === 0);
      return empty !== negated;
    },
  })),
  // [NOT] IN
  fc.tuple(fc.boolean(), fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([negated, words, brackets]) => ({
    text: `member ${negated ? 'NOT IN' : 'IN'} ${brackets ? '[' : '('}${words.map((word) => JSON.stringify(word)).join(', ')}${brackets ? ']' : ')'}`,
    matches: (doc: Doc) => words.includes(get(doc, 'member') as string) !== negated,
  })),
  fc.tuple(fc.boolean(), fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 3 })).map(([negated, names]) => ({
    text: `category ${negated ? 'not in' : 'in'} (${names.join(', ')})`,
    matches: (doc: Doc) => names.includes(get(doc, 'category') as string) !== negated,
  })),
  // CONTAINS / CONTAIN / HAS / HAVE with VALUE, ANY, ALL; on a map: key presence
  fc.tuple(fc.constantFrom('CONTAINS', 'contain', 'HAS', 'have'), fc.constantFrom('', 'VALUE ', 'ANY', 'ALL'), fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 })).map(([word, mode, words]) => {
    const list = mode === 'ANY' || mode === 'ALL';
    const chosen = list ? words : words.slice(0, 1);
    return {
      text: `owned_objects ${word} ${mode}${list ? `(${chosen.map((item) => JSON.stringify(item)).join(',')})` : JSON.stringify(chosen[0])}`,
      matches: (doc: Doc) => {
        const value = get(doc, 'ownedObjects');
        if (!Array.isArray(value)) return false;
        return mode === 'ALL' ? chosen.every((item) => value.includes(item)) : chosen.some((item) => value.includes(item));
      },
    };
  }),
  fc.constantFrom(...KEYS).map((key) => ({
    text: `metadata.labels HAS ${JSON.stringify(key)}`,
    matches: (doc: Doc) => get(doc, `metadata.labels.${key}`) !== undefined,
  })),
  // LIKE
  fc.tuple(stringField, fc.constantFrom('a%', '%b', '_b%', 'a\\%b', '%', 'x\\_y', '__', 'a_c')).map(([[written, path], pattern]) => ({
    text: `${written} LIKE ${JSON.stringify(pattern)}`,
    matches: (doc: Doc) => {
      const value = get(doc, path);
      return typeof value === 'string' && like(value, pattern);
    },
  })),
  // references, with wildcards
  fc.tuple(fc.constantFrom('-', 'p0', 'p1'), fc.constantFrom('-', 'r0', 'r1'), fc.constantFrom('=', '!=')).map(([project, role, op]) => ({
    text: `role ${op} "projects/${project}/roles/${role}"`,
    matches: (doc: Doc) => {
      const value = get(doc, 'role');
      const equal = typeof value === 'string' && value.split('/').every((segment, index) => {
        const expected = ['projects', project, 'roles', role][index];
        return expected === '-' ? segment !== '' : expected === segment;
      }) && value.split('/').length === 4;
      return op === '=' ? equal : !equal;
    },
  })),
  // map equality with an object literal
  fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...WORDS), { maxKeys: 2 }).map((labels) => ({
    text: `metadata.labels = {${Object.entries(labels).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(', ')}}`,
    matches: (doc: Doc) => {
      const value = (get(doc, 'metadata.labels') ?? {}) as Record<string, unknown>;
      const keys = Object.keys(value);
      return keys.length === Object.keys(labels).length && keys.every((key) => value[key] === labels[key]);
    },
  })),
);

const filterArbitrary: fc.Arbitrary<Generated> = fc.letrec<{ expr: Generated }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('expr'), tie('expr'), fc.constantFrom('AND', 'and', '+', '')).map(([left, right, word]) => ({
      text: `(${left.text}) ${word} (${right.text})`,
      matches: (doc: Doc) => left.matches(doc) && right.matches(doc),
    })),
    fc.tuple(tie('expr'), tie('expr'), fc.constantFrom('OR', 'or', '|')).map(([left, right, word]) => ({
      text: `(${left.text}) ${word} (${right.text})`,
      matches: (doc: Doc) => left.matches(doc) || right.matches(doc),
    })),
    fc.tuple(tie('expr'), keyword('not')).map(([inner, not]) => ({ text: `${not} (${inner.text})`, matches: (doc: Doc) => !inner.matches(doc) })),
  ),
})).expr;

const documentArbitrary: fc.Arbitrary<Doc> = fc
  .record(
    {
      member: fc.constantFrom(...WORDS),
      memberType: fc.constantFrom(...WORDS),
      category: fc.constantFrom(...CATEGORIES),
      specGeneration: fc.integer({ min: 0, max: 5 }),
      hasOwnedObjects: fc.boolean(),
      ownedObjects: fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }),
      role: fc.tuple(fc.constantFrom('p0', 'p1', 'p2'), fc.constantFrom('r0', 'r1')).map(([project, role]) => `projects/${project}/roles/${role}`),
      metadata: fc.record(
        { labels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...WORDS), { maxKeys: 3 }), createTime: fc.constantFrom(...TIMES_MS).map(stored) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  // Through JSON, as documents come out of a store (fast-check's dictionaries have no prototype).
  .map((fields) => JSON.parse(JSON.stringify({ name: 'projects/p0/roleBindings/rb', ...fields })) as Doc);

describe('compileFilter', () => {
  describe('having random RoleBinding documents and random filters', () => {
    describe('when the compiled query is evaluated by mingo', () => {
      it('should agree with the reference meaning of the filter', () => {
        fc.assert(
          fc.property(filterArbitrary, fc.array(documentArbitrary, { minLength: 1, maxLength: 12 }), (filter, documents) => {
            const query = filterQuery(compileFilter(parseFilter(descriptor, filter.text)));
            for (const document of documents) {
              expect(query.test(document), `${filter.text}\n${JSON.stringify(document)}`).to.equal(filter.matches(document));
            }
          }),
          { numRuns: 1000 },
        );
      });
    });
  });
});
