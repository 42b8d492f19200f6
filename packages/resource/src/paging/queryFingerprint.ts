/**
 * The identity of a paged query, carried in its page tokens.
 */
import { createHash } from 'node:crypto';
import type { Filter } from '../filter/filterAst.js';
import { formatOrderBy, type OrderBy } from '../ordering/orderBy.js';

/** What makes two list requests the same query for paging purposes. */
export interface FingerprintedQuery {
  readonly kind: string;
  readonly parent?: string | undefined;
  readonly filter?: Filter | undefined;
  readonly orderBy: OrderBy;
  /** Anything else that selects items (e.g. a search phrase). */
  readonly extra?: string | undefined;
}

/**
 * A short stable hash of the query. Built from the parsed filter, so spelling differences that
 * do not change meaning (snake_case vs camelCase, keyword case, whitespace) keep tokens valid.
 */
export function queryFingerprint(query: FingerprintedQuery): string {
  const canonical = JSON.stringify([query.kind, query.parent ?? '', query.filter?.root ?? null, formatOrderBy(query.orderBy), query.extra ?? '']);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}
