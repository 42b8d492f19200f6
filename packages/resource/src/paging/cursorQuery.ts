/**
 * Keyset conditions: the items before or after a boundary item in order_by order.
 */
import type { MongoQuery } from '../filter/mongoQuery.js';
import type { OrderBy } from '../ordering/orderBy.js';
import type { SortValue } from '../ordering/sortValues.js';

/** A condition no document satisfies. */
const NOTHING: MongoQuery = { name: { $in: [] } };

function equalTo(path: string, value: SortValue): MongoQuery {
  return { [path]: { $eq: value } };
}

/** Values strictly greater than `value` in MongoDB's order (null/absent lowest); undefined if none can be. */
function greaterThan(path: string, value: SortValue): MongoQuery {
  return value === null ? { [path]: { $ne: null } } : { [path]: { $gt: value } };
}

function lessThan(path: string, value: SortValue): MongoQuery | undefined {
  return value === null ? undefined : { $or: [{ [path]: { $eq: null } }, { [path]: { $lt: value } }] };
}

/**
 * The MongoDB condition selecting the documents strictly `after` (or `before`) the boundary whose
 * sort-key values are `values`, in `orderBy` order; `inclusive` adds the boundary itself.
 * Documents inserted or deleted elsewhere do not move the boundary, which is what keeps pages
 * free of skipped or repeated items under concurrent changes.
 */
export function cursorQuery(orderBy: OrderBy, values: readonly SortValue[], side: 'after' | 'before', inclusive: boolean): MongoQuery {
  const disjuncts: MongoQuery[] = [];
  const prefix: MongoQuery[] = [];
  for (const [index, field] of orderBy.fields.entries()) {
    const value = values[index] ?? null;
    const ascendingSide = (side === 'after') === (field.direction === 'asc');
    const beyond = ascendingSide ? greaterThan(field.path, value) : lessThan(field.path, value);
    if (beyond !== undefined) disjuncts.push(prefix.length === 0 ? beyond : { $and: [...prefix, beyond] });
    prefix.push(equalTo(field.path, value));
  }
  if (inclusive) disjuncts.push(prefix.length === 1 ? (prefix[0] as MongoQuery) : { $and: prefix });
  if (disjuncts.length === 0) return NOTHING;
  return disjuncts.length === 1 ? (disjuncts[0] as MongoQuery) : { $or: disjuncts };
}
