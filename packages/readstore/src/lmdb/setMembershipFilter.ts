/**
 * Large `$in` lists evaluated with a Set. mingo tests `{path: {$in: [v1 … vN]}}` by comparing
 * against every listed value, so a "my projects" restriction of 10,000 names against 10,000
 * documents costs 10^8 comparisons (seconds). Conditions of that shape — on the top level or in a
 * top-level `$and`, with scalar values and no null — are taken out of the filter and tested as Set
 * lookups (any element of an array field may match, as in MongoDB); the rest stays with mingo.
 * MongoDB itself needs none of this: it evaluates `$in` server-side, with indexes.
 */
import type { QueryFilter } from '../readStore.js';

/** Below this many values the list is left to mingo. */
const SET_THRESHOLD = 32;

type Scalar = string | number | boolean;

/** A membership condition taken out of a filter. */
export interface SetCondition {
  readonly path: string;
  readonly values: ReadonlySet<Scalar>;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setOf(operand: unknown): ReadonlySet<Scalar> | undefined {
  if (!isRecord(operand) || Object.keys(operand).length !== 1 || !Array.isArray(operand['$in'])) return undefined;
  const values = operand['$in'] as unknown[];
  if (values.length < SET_THRESHOLD || !values.every((value) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return undefined;
  return new Set(values as Scalar[]);
}

/** Splits a filter into Set conditions and the rest (undefined when nothing is left). */
export function splitSetConditions(filter: QueryFilter | undefined): { sets: SetCondition[]; rest: QueryFilter | undefined } {
  if (filter === undefined) return { sets: [], rest: undefined };
  const sets: SetCondition[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      const kept: unknown[] = [];
      for (const clause of value) {
        if (!isRecord(clause)) {
          kept.push(clause);
          continue;
        }
        const inner = splitSetConditions(clause);
        sets.push(...inner.sets);
        if (inner.rest !== undefined) kept.push(inner.rest);
      }
      if (kept.length > 0) rest['$and'] = kept;
      continue;
    }
    const values = key.startsWith('$') ? undefined : setOf(value);
    if (values === undefined) rest[key] = value;
    else sets.push({ path: key, values });
  }
  return { sets, rest: Object.keys(rest).length === 0 ? undefined : rest };
}

function valuesAt(document: unknown, path: string): unknown[] {
  let current: unknown[] = [document];
  for (const part of path.split('.')) {
    current = current.flatMap((node) => {
      if (!isRecord(node)) return [];
      const next = node[part];
      return next === undefined ? [] : Array.isArray(next) ? [next, ...(next as unknown[])] : [next];
    });
  }
  return current;
}

/** Whether a document meets every Set condition. */
export function meetsSetConditions(document: unknown, sets: readonly SetCondition[]): boolean {
  return sets.every((condition) => valuesAt(document, condition.path).some((value) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && condition.values.has(value)));
}
