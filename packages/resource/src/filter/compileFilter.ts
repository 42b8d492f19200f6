/**
 * The checked filter AST → a MongoDB query document over the internal (lowerCamelCase) document
 * shape. MongoDB runs it server-side; the embedded read store and the watch gateway run the same
 * document with mingo, so every backend agrees on what a filter means.
 *
 * Semantics (documented in docs/resource-kit.md): a condition on an absent field is false, except
 * `!=`, `NOT IN`, `IS NULL` and NOT(…), which are the negations of conditions that are false;
 * a path through a repeated message matches when any element matches (MongoDB's rule).
 */
import { hasWildcard, nameRegex } from '../names/nameRegex.js';
import type { CompareOperator, Filter, FilterField, FilterNode, FilterValue } from './filterAst.js';
import { LIKE_OPERATOR, type MongoQuery } from './mongoQuery.js';

const MONGO_OPERATORS: Readonly<Record<Exclude<CompareOperator, '=' | '!='>, string>> = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' };

function isObjectValue(value: FilterValue): value is { readonly [key: string]: FilterValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function not(query: MongoQuery): MongoQuery {
  return { $nor: [query] };
}

function all(queries: readonly MongoQuery[]): MongoQuery {
  return queries.length === 1 ? (queries[0] as MongoQuery) : { $and: queries };
}

function any(queries: readonly MongoQuery[]): MongoQuery {
  return queries.length === 1 ? (queries[0] as MongoQuery) : { $or: queries };
}

function isWildcardReference(field: FilterField, value: FilterValue): value is string {
  return field.kind.type === 'string' && field.kind.reference && typeof value === 'string' && hasWildcard(value);
}

/**
 * Equality with an object literal (a message or a map): every given key equal and no other key
 * present. MongoDB's own embedded-document equality depends on key order, hence the expansion.
 */
function objectEquals(path: string, value: { readonly [key: string]: FilterValue }): MongoQuery {
  const entries = Object.entries(value);
  const size = { $expr: { $eq: [{ $size: { $objectToArray: { $ifNull: [`$${path}`, {}] } } }, entries.length] } };
  return all([...entries.map(([key, entry]) => (isObjectValue(entry) ? objectEquals(`${path}.${key}`, entry) : { [`${path}.${key}`]: { $eq: entry } })), size]);
}

/** Element-wise conditions of `{a: 1, b: {c: 2}}` for $elemMatch: `{a: {$eq: 1}, 'b.c': {$eq: 2}}`. */
function flatEquals(value: { readonly [key: string]: FilterValue }, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, entry] of Object.entries(value)) {
    if (isObjectValue(entry)) flatEquals(entry, `${prefix}${key}.`, out);
    else out[`${prefix}${key}`] = { $eq: entry };
  }
  return out;
}

function equals(field: FilterField, value: FilterValue): MongoQuery {
  if (isObjectValue(value)) return objectEquals(field.path, value);
  if (isWildcardReference(field, value)) return { [field.path]: { $regex: nameRegex(value) } };
  return { [field.path]: { $eq: value } };
}

function compare(field: FilterField, operator: CompareOperator, value: FilterValue): MongoQuery {
  if (operator === '=') return equals(field, value);
  if (operator === '!=') return not(equals(field, value));
  if (field.kind.type === 'enum' && typeof value === 'string') {
    // Enums are stored by name but ordered by number: compile to the set of names on the right side.
    const values = field.kind.values;
    const bound = values.indexOf(value);
    const selected = values.filter((_name, index) =>
      operator === '<' ? index < bound : operator === '<=' ? index <= bound : operator === '>' ? index > bound : index >= bound,
    );
    return { [field.path]: { $in: selected } };
  }
  return { [field.path]: { [MONGO_OPERATORS[operator]]: value } };
}

function isNull(field: FilterField): MongoQuery {
  const absent = { [field.path]: { $eq: null } };
  if (field.repeated) return any([absent, { [field.path]: { $size: 0 } }]);
  if (field.kind.type === 'map') return any([absent, { [field.path]: { $eq: {} } }]);
  return absent;
}

function elementMatches(field: FilterField, value: FilterValue): MongoQuery {
  // For a map, the parser checked that each value is a key (a string).
  if (field.kind.type === 'map' && typeof value === 'string') return { [`${field.path}.${value}`]: { $exists: true } };
  if (isObjectValue(value)) return { [field.path]: { $elemMatch: flatEquals(value) } };
  if (isWildcardReference(field, value)) return { [field.path]: { $regex: nameRegex(value) } };
  return { [field.path]: { $eq: value } };
}

function compileNode(node: FilterNode): MongoQuery {
  switch (node.op) {
    case 'and':
      return { $and: node.clauses.map(compileNode) };
    case 'or':
      return { $or: node.clauses.map(compileNode) };
    case 'not':
      return not(compileNode(node.clause));
    case 'compare':
      return compare(node.field, node.operator, node.value);
    case 'isNull':
      return node.negated ? not(isNull(node.field)) : isNull(node.field);
    case 'isNaN': {
      const nan = { [node.field.path]: { $eq: Number.NaN } };
      return node.negated ? not(nan) : nan;
    }
    case 'in': {
      const plain = !node.values.some((value) => isWildcardReference(node.field, value));
      const positive = plain ? { [node.field.path]: { $in: node.values } } : any(node.values.map((value) => equals(node.field, value)));
      return node.negated ? not(positive) : positive;
    }
    case 'contains': {
      const conditions = node.values.map((value) => elementMatches(node.field, value));
      return node.mode === 'all' ? all(conditions) : any(conditions);
    }
    case 'like':
      return { [node.field.path]: { [LIKE_OPERATOR]: node.pattern } };
    default: {
      const unreachable: never = node;
      return unreachable;
    }
  }
}

/** Compiles a parsed filter (or one node of it) to a MongoDB query; an empty filter is `{}`. */
export function compileFilter(filter: Filter | FilterNode | undefined): MongoQuery {
  if (filter === undefined) return {};
  if ('root' in filter) return filter.root === undefined ? {} : compileNode(filter.root);
  return compileNode(filter);
}
