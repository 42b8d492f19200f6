/**
 * Reading and comparing the sort keys of stored documents.
 */
import { isObject } from '@keystream/kernel';
import type { OrderBy } from './orderBy.js';

/** A sort-key value of a stored document; absent is null. */
export type SortValue = null | boolean | number | string;

/** The value at a canonical path of a stored document, or null. */
export function valueAtPath(document: unknown, path: string): SortValue {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    if (!isObject(current)) return null;
    current = current[segment];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' ? current : null;
}

/** The sort-key values of `document` under `orderBy`, in order. */
export function sortValuesOf(orderBy: OrderBy, document: unknown): SortValue[] {
  return orderBy.fields.map((field) => valueAtPath(document, field.path));
}

/** MongoDB's order of BSON types, for the values a sort key can hold. */
function typeRank(value: SortValue): number {
  if (value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  return 3;
}

/** Compares two sort-key values the way MongoDB sorts them (null/absent first). */
export function compareSortValues(left: SortValue, right: SortValue): number {
  const rank = typeRank(left) - typeRank(right);
  if (rank !== 0 || left === null || right === null) return rank;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * A comparator of stored documents under `orderBy`, agreeing with the MongoDB sort from
 * compileSort (for in-memory ordering, e.g. the watch gateway's stateful pages).
 */
export function compareDocuments(orderBy: OrderBy): (left: unknown, right: unknown) => number {
  return (left, right) => {
    for (const field of orderBy.fields) {
      const order = compareSortValues(valueAtPath(left, field.path), valueAtPath(right, field.path));
      if (order !== 0) return field.direction === 'asc' ? order : -order;
    }
    return 0;
  };
}
