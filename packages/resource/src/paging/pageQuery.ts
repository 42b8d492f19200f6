/**
 * Planning one page of a List: the query, sort and limit to run against the read store.
 */
import type { MongoQuery, MongoSort } from '../filter/mongoQuery.js';
import type { OrderBy } from '../ordering/orderBy.js';
import { compileSort } from '../ordering/compileSort.js';
import { cursorQuery } from './cursorQuery.js';
import type { PageToken } from './pageToken.js';

/** What the read store must run for one page, and what pageResult needs afterwards. */
export interface PagePlan {
  /** The request's selection (parent and filter) ANDed with the cursor condition. */
  readonly query: MongoQuery;
  /** Sort to run: order_by, reversed when walking backwards. */
  readonly sort: MongoSort;
  /** Documents to fetch: one more than the page, to learn whether another page follows. */
  readonly limit: number;
  readonly pageSize: number;
  readonly orderBy: OrderBy;
  /** The token the page was requested with, if any. */
  readonly token: PageToken | undefined;
}

/** The inputs of a page. */
export interface PageRequest {
  /** Selection of the request (parentQuery, compileFilter, …); `{}` for everything. */
  readonly query: MongoQuery;
  readonly orderBy: OrderBy;
  readonly pageSize: number;
  /** A decoded page token (decodePageToken), or undefined for the first page. */
  readonly token?: PageToken | undefined;
}

function and(left: MongoQuery, right: MongoQuery): MongoQuery {
  return Object.keys(left).length === 0 ? right : { $and: [left, right] };
}

/**
 * Plans a page: keyset pagination over `orderBy`. A `next` token selects the items after its
 * boundary in order; a `prev` token the items before it, fetched in reverse order (pageResult
 * puts them back in order).
 */
export function pageQuery(request: PageRequest): PagePlan {
  const { token, orderBy, pageSize } = request;
  const backwards = token?.direction === 'prev';
  const query = token === undefined ? request.query : and(request.query, cursorQuery(orderBy, token.values, backwards ? 'before' : 'after', token.inclusive));
  return { query, sort: compileSort(orderBy, backwards), limit: pageSize + 1, pageSize, orderBy, token };
}
