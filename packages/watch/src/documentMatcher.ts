/**
 * Decides whether a document belongs to a watch: its selection (parent and filter, compiled once to
 * a MongoDB query and evaluated with mingo, as the stores do) and the principal's visibility.
 *
 * Many watches usually share a filter, and every watch of a kind sees the same change-log entry
 * objects, so results are memoised per document object and selection key: 10k dashboards with
 * the same filter cost one evaluation per change, not 10k.
 */
import type { JsonObject } from '@keystream/readstore';
import { filterQuery, type MongoQuery } from '@keystream/resource';
import type { Query } from 'mingo';
import type { CanSee, WatchPrincipal } from './watchPrincipal.js';

const MAX_COMPILED = 1024;
const compiled = new Map<string, Query>();

function compiledQuery(key: string, selection: MongoQuery): Query {
  let query = compiled.get(key);
  if (query === undefined) {
    query = filterQuery(selection);
    // Bounded: dropping the oldest compilation only costs a recompile.
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, query);
  }
  return query;
}

const memo = new WeakMap<JsonObject, Map<string, boolean>>();

/** The membership test of one watch. */
export class DocumentMatcher {
  private readonly key: string;
  private readonly query: Query;

  constructor(
    private readonly kind: string,
    selection: MongoQuery,
    private readonly principal: WatchPrincipal,
    private readonly canSee: CanSee,
    /** The authorization state's version: part of the memo key, so a decision never outlives it. */
    private readonly authorizationVersion: () => number = () => 0,
  ) {
    const selectionKey = JSON.stringify(selection);
    this.query = compiledQuery(selectionKey, selection);
    this.key = `${principal.subject}\u0000${selectionKey}`;
  }

  /** True when the document (null = absent) is selected and visible. */
  matches(document: JsonObject | null): boolean {
    if (document === null) return false;
    let results = memo.get(document);
    const key = `${this.authorizationVersion()}\u0000${this.key}`;
    const known = results?.get(key);
    if (known !== undefined) return known;
    const result = this.query.test(document) && this.canSee(this.principal, document, this.kind);
    if (results === undefined) {
      results = new Map();
      memo.set(document, results);
    }
    results.set(key, result);
    return result;
  }
}
