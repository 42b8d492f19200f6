/**
 * Evaluating compiled filters in memory (mingo) and handing them to MongoDB.
 *
 * LIKE compiles to keystream's own query operator `{path: {$like: pattern}}`. In memory it runs
 * the linear-time {@link likeMatcher}; for MongoDB, {@link toMongoDriverQuery} rewrites it to a
 * `$regex` with atomic groups (see {@link likeRegex}). Every in-memory evaluation of a filter
 * (the embedded read store, watches) must go through {@link filterQuery}.
 */
import { Context } from 'mingo/core';
import { $size } from 'mingo/operators/expression/array';
import { $eq } from 'mingo/operators/expression/comparison';
import { $ifNull } from 'mingo/operators/expression/conditional';
import { $objectToArray } from 'mingo/operators/expression/object';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import { resolve } from 'mingo/util';
import { likeMatcher, type LikeMatcher } from './likeMatcher.js';
import { likeRegex } from './likeRegex.js';
import { LIKE_OPERATOR, type MongoQuery } from './mongoQuery.js';

function likeMatches(matcher: LikeMatcher, value: unknown): boolean {
  if (typeof value === 'string') return matcher.test(value);
  // A path through a repeated message resolves to the values of every element: any may match.
  return Array.isArray(value) && value.some((entry) => likeMatches(matcher, entry));
}

function likeOperator(selector: string, pattern: unknown): (document: unknown) => boolean {
  if (typeof pattern !== 'string') throw new Error(`${LIKE_OPERATOR} takes a string pattern`);
  const matcher = likeMatcher(pattern);
  return (document) => likeMatches(matcher, resolve(document as never, selector));
}

// The operators compiled filters use, and no more: mingo's main entry loads every operator of
// every kind (aggregation, window, dates…), a tenth of a second at each process start. All the
// query operators; of the expression operators, those of a map's equality (compileFilter.ts).
// mingo types its operator table as the intersection of every built-in's signature; $like is an
// ordinary query operator (selector, operand) → predicate.
const context = Context.init({ query: queryOperators, expression: { $eq, $ifNull, $objectToArray, $size } }).addQueryOps({ [LIKE_OPERATOR]: likeOperator } as unknown as Parameters<Context['addQueryOps']>[0]);

/** A mingo query for a compiled filter, with keystream's operators. */
export function filterQuery(query: MongoQuery): Query {
  return new Query(query, { context });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Operators whose operand holds further conditions (everything else is a value: left as it is). */
const NESTED_LISTS = new Set(['$and', '$or', '$nor']);
const NESTED_CONDITIONS = new Set(['$elemMatch', '$not']);

function rewriteCondition(condition: unknown): unknown {
  if (!isPlainObject(condition)) return condition;
  const output: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(condition)) {
    if (key === LIKE_OPERATOR && typeof value === 'string') output['$regex'] = likeRegex(value);
    else if (NESTED_CONDITIONS.has(key)) output[key] = key === '$elemMatch' ? toMongoDriverQuery(value as MongoQuery) : rewriteCondition(value);
    else output[key] = value;
  }
  return output;
}

/** The query as MongoDB takes it: keystream's `$like` rewritten to a `$regex`. */
export function toMongoDriverQuery(query: MongoQuery): MongoQuery {
  const output: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (NESTED_LISTS.has(key) && Array.isArray(value)) output[key] = value.map((entry) => toMongoDriverQuery(entry as MongoQuery));
    else if (key.startsWith('$')) output[key] = value;
    else output[key] = rewriteCondition(value);
  }
  return output;
}
