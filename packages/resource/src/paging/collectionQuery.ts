/**
 * What List, Search and collection watches ask of a collection, compiled once the same way for
 * all of them: the parent (wildcards allowed), the filter, the order and the query fingerprint
 * page tokens are bound to. One compilation means a stateful watch's page tokens and a List's are
 * interchangeable, and both select exactly the same documents.
 */
import type { ResourceDescriptor } from '@keystream/api';
import type { Filter } from '../filter/filterAst.js';
import { compileFilter } from '../filter/compileFilter.js';
import type { MongoQuery } from '../filter/mongoQuery.js';
import { parseFilter } from '../filter/parseFilter.js';
import { parentQuery } from '../names/parentQuery.js';
import { parseParent } from '../names/parseParent.js';
import { parseOrderBy, type OrderBy } from '../ordering/orderBy.js';
import { queryFingerprint } from './queryFingerprint.js';

/** A collection request's selecting fields, as the caller gave them (empty strings mean absent). */
export interface CollectionSelection {
  readonly parent?: string | undefined;
  readonly filter?: string | undefined;
  readonly orderBy?: string | undefined;
}

/** Extra conditions a method adds (Search's phrase), with the text that tells them apart in tokens. */
export interface ExtraCondition {
  readonly query: MongoQuery;
  readonly fingerprint: string;
}

/** A compiled collection request. */
export interface CollectionQuery {
  readonly parent: string | undefined;
  readonly filter: Filter | undefined;
  readonly orderBy: OrderBy;
  /** Parent ∧ filter ∧ extra, as one MongoDB query. */
  readonly query: MongoQuery;
  /** What page tokens of this request are bound to. */
  readonly fingerprint: string;
}

/** The conjunction of queries, leaving out empty ones. */
export function andQueries(...queries: readonly MongoQuery[]): MongoQuery {
  const parts = queries.filter((query) => Object.keys(query).length > 0);
  if (parts.length === 0) return {};
  return parts.length === 1 ? (parts[0] as MongoQuery) : { $and: parts };
}

function present(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** Checks and compiles a collection request of `descriptor`'s kind; INVALID_ARGUMENT names the bad field. */
export function collectionQuery(descriptor: ResourceDescriptor, selection: CollectionSelection, extra?: ExtraCondition): CollectionQuery {
  const parent = present(selection.parent);
  if (parent !== undefined) parseParent(descriptor, parent);
  const filterText = present(selection.filter);
  const filter = filterText === undefined ? undefined : parseFilter(descriptor, filterText);
  const orderBy = parseOrderBy(descriptor, selection.orderBy ?? '');
  return {
    parent,
    filter,
    orderBy,
    query: andQueries(parent === undefined ? {} : parentQuery(descriptor, parent), filter === undefined ? {} : compileFilter(filter), extra?.query ?? {}),
    fingerprint: queryFingerprint({ kind: descriptor.kind, parent, filter, orderBy, extra: extra?.fingerprint ?? '' }),
  };
}
