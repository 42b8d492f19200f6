/**
 * Turning what the read store returned for a PagePlan into the page and its tokens.
 */
import { sortValuesOf } from '../ordering/sortValues.js';
import type { PagePlan } from './pageQuery.js';
import { encodePageToken, type PageToken, type PageTokenKey } from './pageToken.js';

/** One page of results. */
export interface Page<T> {
  /** Items in order_by order. */
  readonly items: readonly T[];
  /** Token of the following page; absent on the last page. */
  readonly nextPageToken: string | undefined;
  /** Token of the preceding page; absent on the first page. */
  readonly prevPageToken: string | undefined;
}

/** Signing parameters of the tokens a page hands out. */
export interface PageTokenContext {
  readonly key: PageTokenKey;
  /** queryFingerprint of the request. */
  readonly fingerprint: string;
}

/**
 * Builds the page from the documents fetched for `plan` (in the plan's sort order, at most
 * `plan.limit`). Tokens are exclusive cursors on the page's first and last items; an empty page
 * reached through a token points back across the token's own boundary.
 */
export function pageResult<T>(plan: PagePlan, fetched: readonly T[], context: PageTokenContext): Page<T> {
  const { pageSize, orderBy, token } = plan;
  const hasMore = fetched.length > pageSize;
  const backwards = token?.direction === 'prev';
  const taken = fetched.slice(0, pageSize);
  const items = backwards ? taken.reverse() : taken;
  const mint = (direction: PageToken['direction'], item: T): string =>
    encodePageToken({ direction, inclusive: false, values: sortValuesOf(orderBy, item), fingerprint: context.fingerprint }, context.key);
  const across = (direction: PageToken['direction']): string | undefined =>
    token === undefined ? undefined : encodePageToken({ direction, inclusive: !token.inclusive, values: token.values, fingerprint: context.fingerprint }, context.key);
  const first = items[0];
  const last = items[items.length - 1];
  if (backwards) {
    return {
      items,
      prevPageToken: hasMore && first !== undefined ? mint('prev', first) : undefined,
      nextPageToken: last !== undefined ? mint('next', last) : across('next'),
    };
  }
  return {
    items,
    nextPageToken: hasMore && last !== undefined ? mint('next', last) : undefined,
    prevPageToken: token === undefined ? undefined : first !== undefined ? mint('prev', first) : across('prev'),
  };
}
