/**
 * The parts of a MongoDB filter (as the resource kit compiles them) an index can serve: the
 * conditions at its top level (or in its top-level `$and`s) that every matching document meets.
 * Each is reported with the clause it came from, so a caller can tell whether a path serves the
 * whole filter. Anything else stays for the compiled filter, which always decides.
 */
import { LIKE_OPERATOR, likeShape, type LikeShape } from '@keystream/resource';

type Clause = Readonly<Record<string, unknown>>;

/** A value an index entry can equal. */
export type IndexScalar = string | number | boolean;

/** One servable condition on a field path. */
export type FieldCondition =
  | { readonly type: 'in'; readonly path: string; readonly values: readonly IndexScalar[]; readonly clause: Clause }
  | { readonly type: 'range'; readonly path: string; readonly lower?: Bound; readonly upper?: Bound; readonly clause: Clause }
  | { readonly type: 'prefix'; readonly path: string; readonly prefix: string; readonly exact: boolean; readonly clause: Clause }
  | { readonly type: 'like'; readonly path: string; readonly pattern: string; readonly shape: LikeShape; readonly clause: Clause };

/** What an index can use of a filter, read once per query. */
export interface FilterShape {
  /** How many conditions the filter's top level holds (1: a servable one may be the whole filter). */
  readonly clauseCount: number;
  readonly conditions: readonly FieldCondition[];
}

/** The filter's top-level clauses and the servable conditions among them. */
export function filterShape(filter: Clause | undefined): FilterShape {
  const clauses = topLevelClauses(filter);
  return { clauseCount: clauses.length, conditions: clauses.flatMap((clause) => conditionOfClause(clause) ?? []) };
}

/** A range end: the value and whether it is included. */
export interface Bound {
  readonly value: IndexScalar;
  readonly inclusive: boolean;
}

/** The filter's top-level clauses (each one key), `$and`s flattened. */
function topLevelClauses(filter: Clause | undefined): Clause[] {
  const clauses: Clause[] = [];
  const visit = (clause: Clause): void => {
    for (const [key, value] of Object.entries(clause)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const member of value) if (isPlainObject(member)) visit(member);
      } else {
        clauses.push({ [key]: value });
      }
    }
  };
  if (filter !== undefined) visit(filter);
  return clauses;
}

function conditionOfClause(clause: Clause): FieldCondition | undefined {
  const [path, operand] = Object.entries(clause)[0] ?? [];
  if (path === undefined || path.startsWith('$')) return undefined;
  return conditionOf(path, operand, clause);
}

function conditionOf(path: string, operand: unknown, clause: Clause): FieldCondition | undefined {
  if (isScalar(operand)) return { type: 'in', path, values: [operand], clause };
  if (!isPlainObject(operand)) return undefined;
  const entries = Object.entries(operand);
  if (entries.length === 1) {
    const [operator, value] = entries[0] as [string, unknown];
    if (operator === '$eq' && isScalar(value)) return { type: 'in', path, values: [value], clause };
    if (operator === '$in' && Array.isArray(value) && value.length > 0 && value.every(isScalar)) return { type: 'in', path, values: [...new Set(value)], clause };
    if (operator === LIKE_OPERATOR && typeof value === 'string') return { type: 'like', path, pattern: value, shape: likeShape(value), clause };
    if (operator === '$regex' && typeof value === 'string') {
      const prefix = anchoredLiteralPrefix(value);
      if (prefix !== undefined) return { type: 'prefix', path, prefix: prefix.text, exact: prefix.whole, clause };
    }
  }
  // A range: only $gt/$gte/$lt/$lte on one type of scalar (MongoDB compares within a type).
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const [operator, value] of entries) {
    if (!isScalar(value) || typeof value === 'boolean') return undefined;
    if (operator === '$gt' || operator === '$gte') lower = { value, inclusive: operator === '$gte' };
    else if (operator === '$lt' || operator === '$lte') upper = { value, inclusive: operator === '$lte' };
    else return undefined;
  }
  if (lower !== undefined && upper !== undefined && typeof lower.value !== typeof upper.value) return undefined;
  if (lower === undefined && upper === undefined) return undefined;
  return { type: 'range', path, ...(lower === undefined ? {} : { lower }), ...(upper === undefined ? {} : { upper }), clause };
}

/**
 * For a regex `^literal…` (the kit's "name starts with" form, literal escaped as escapeRegex
 * does): the literal, and whether the regex is nothing more. Undefined for any other regex.
 */
function anchoredLiteralPrefix(regex: string): { text: string; whole: boolean } | undefined {
  if (!regex.startsWith('^')) return undefined;
  let text = '';
  for (let index = 1; index < regex.length; index += 1) {
    const char = regex[index] as string;
    if (char === '\\') {
      const next = regex[index + 1];
      if (next === undefined || /[A-Za-z0-9]/u.test(next)) return text === '' ? undefined : { text, whole: false };
      text += next;
      index += 1;
    } else if ('.*+?()[]{}|$^'.includes(char)) {
      // A quantifier may repeat (or drop) the character before it: the prefix ends before that one.
      if ('*+?{'.includes(char)) text = Array.from(text).slice(0, -1).join('');
      return text === '' ? undefined : { text, whole: false };
    } else {
      text += char;
    }
  }
  return text === '' ? undefined : { text, whole: true };
}

function isScalar(value: unknown): value is IndexScalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Clause {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
