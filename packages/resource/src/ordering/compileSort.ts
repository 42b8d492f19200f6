/**
 * order_by → MongoDB sort document.
 */
import type { MongoSort } from '../filter/mongoQuery.js';
import type { OrderBy } from './orderBy.js';

/**
 * The MongoDB sort of `orderBy` (or of its reverse, for walking backwards). MongoDB and mingo
 * both put absent and null values first in ascending order, as ARCHITECTURE.md §4 requires.
 */
export function compileSort(orderBy: OrderBy, reverse = false): MongoSort {
  const sort: Record<string, 1 | -1> = {};
  for (const field of orderBy.fields) sort[field.path] = (field.direction === 'asc') !== reverse ? 1 : -1;
  return sort;
}
