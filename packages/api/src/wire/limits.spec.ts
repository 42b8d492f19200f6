import { expect } from 'chai';
import { isKeystreamError, type FieldViolation } from '../errors/keystreamError.js';
import { MAX_KEY_LENGTH, MAX_LIST_ITEMS, MAX_MAP_ENTRIES, MAX_NESTING_DEPTH, MAX_STRING_LENGTH } from './limits.js';
import { decodeMessage, type MessageName } from './wireCodec.js';

function violationsOf(message: MessageName, json: unknown): FieldViolation[] {
  try {
    decodeMessage(message, json);
  } catch (error) {
    expect(isKeystreamError(error) && error.code === 'INVALID_ARGUMENT', String(error)).to.equal(true);
    return ((error as { details: { fieldViolations?: FieldViolation[] }[] }).details[0]?.fieldViolations ?? []);
  }
  return [];
}

function nested(depth: number, leaf: unknown = 'x'): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { k: value } : [value];
  return value;
}

const binding = (extra: Record<string, unknown>): unknown => ({ roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'user:a@b.c', ...extra } });
const params = (value: unknown): unknown => binding({ executableConditions: [{ condition: 'conditions/c', params: { p: value } }] });

describe('request limits', () => {
  describe('having requests over a limit', () => {
    const cases: readonly (readonly [string, MessageName, unknown, RegExp])[] = [
      ['a Struct nested 2,000 levels', 'CreateRoleBindingRequest', params(nested(2000)), /nested deeper than 32/],
      ['a Struct nested one level too deep', 'CreateRoleBindingRequest', params(nested(MAX_NESTING_DEPTH)), /nested deeper/],
      ['a 1 MB title', 'CreateProjectRequest', { project: { title: 't'.repeat(1024 * 1024) } }, /at most 4096/],
      ['a title one character too long', 'CreateProjectRequest', { project: { title: 't'.repeat(MAX_STRING_LENGTH + 1) } }, /at most 4096/],
      ['60,000 labels', 'CreateProjectRequest', { project: { metadata: { labels: Object.fromEntries(Array.from({ length: 60_000 }, (_u, i) => [`k${i}`, 'v'])) } } }, /at most 256/],
      ['one label too many', 'CreateProjectRequest', { project: { metadata: { labels: Object.fromEntries(Array.from({ length: MAX_MAP_ENTRIES + 1 }, (_u, i) => [`k${i}`, 'v'])) } } }, /at most 256/],
      ['a 100,000-character label key', 'CreateProjectRequest', { project: { metadata: { labels: { ['k'.repeat(100_000)]: 'v' } } } }, /key of 100000 characters/],
      ['a key one character too long', 'CreateProjectRequest', { project: { metadata: { labels: { ['k'.repeat(MAX_KEY_LENGTH + 1)]: 'v' } } } }, /key of/],
      ['a NUL in a label key', 'CreateProjectRequest', { project: { metadata: { labels: { 'a\u0000b': 'v' } } } }, /control character/],
      ['a newline in an annotation key', 'CreateProjectRequest', { project: { metadata: { annotations: { 'a\nb': 'v' } } } }, /control character/],
      ['a label value of 1 MB', 'CreateProjectRequest', { project: { metadata: { labels: { a: 'v'.repeat(1024 * 1024) } } } }, /at most 4096/],
      ['150,000 permissions in a role', 'CreateRoleRequest', { role: { grants: [{ permissions: Array.from({ length: 150_000 }, (_u, i) => `services/s/permissions/p${i}`) }] } }, /at most 1000/],
      ['one list item too many', 'CreateRoleRequest', { role: { grants: [{ permissions: Array.from({ length: MAX_LIST_ITEMS + 1 }, () => 'services/s/permissions/p') }] } }, /at most 1000/],
      ['a NUL in a Struct key', 'CreateRoleBindingRequest', params({ 'a\u0000': 1 }), /control character/],
      ['a long string inside a Struct', 'CreateRoleBindingRequest', params({ a: 'x'.repeat(MAX_STRING_LENGTH + 1) }), /at most 4096/],
      ['a long list inside a Struct', 'CreateRoleBindingRequest', params(Array.from({ length: MAX_LIST_ITEMS + 1 }, () => 1)), /at most 1000/],
      ['a 1 MB member', 'CreateRoleBindingRequest', binding({ member: `user:${'a'.repeat(1024 * 1024)}@x.com` }), /at most/],
    ];
    for (const [label, message, json, expected] of cases) {
      describe(`when decoding ${label}`, () => {
        it('should be INVALID_ARGUMENT naming the field', () => {
          const violations = violationsOf(message, json);
          expect(violations.length, JSON.stringify(violations).slice(0, 300)).to.be.greaterThan(0);
          expect(violations.map((violation) => violation.description).join('; ')).to.match(expected);
          expect(violations[0]?.field).to.not.equal('');
        });
      });
    }
  });

  describe('having requests at a limit', () => {
    describe('when decoding', () => {
      it('should accept them', () => {
        expect(violationsOf('CreateRoleBindingRequest', params(nested(MAX_NESTING_DEPTH - 5)))).to.deep.equal([]);
        expect(violationsOf('CreateProjectRequest', { project: { title: 't'.repeat(MAX_STRING_LENGTH), multiRegionPolicy: {}, metadata: { labels: { ['k'.repeat(MAX_KEY_LENGTH)]: 'v' } } } })).to.deep.equal([]);
      });
    });
  });
});
