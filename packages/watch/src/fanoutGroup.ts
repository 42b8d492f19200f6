/**
 * Fan-out groups: the watches of one gateway that show the same thing — the same kind, selection
 * (parent and filter), and field mask (the view resolves to one) — share one {@link FanoutGroup}.
 * A change is evaluated and shaped once per group, not once per watch:
 *   - the selection's filter runs once per document version (the change-log entry's `before` and
 *     `after` objects are shared by every watch of the kind);
 *   - visibility (`canSee`) runs once per document version and distinct principal, at the current
 *     authorization version, whichever groups ask;
 *   - the projected `Current` change is built once per document version;
 *   - a stateless watch idle at the tail takes a published batch as a {@link SharedSeries}: the
 *     changes and the one `Watch<Kinds>Response` carrying them (its resume token is the batch's
 *     last relevant position, the same for every watch of the group woken by that batch). Watches
 *     whose principals see the batch alike share it too, so the response object — and with it the
 *     bytes a transport encodes from it (`encodedOnce` of @keystream/api) — exists once per group and outcome.
 *
 * Everything cached is keyed by the identity of an immutable object (a stored document, an entry,
 * a published batch) in weak maps, so the caches live exactly as long as the change is in flight.
 */
import { markShared, type ResourceDescriptor } from '@keystream/api';
import type { ChangeLogEntry, JsonObject, Position } from '@keystream/readstore';
import { diffPaths, filterQuery, maskTouches, type FieldMask, type MongoQuery } from '@keystream/resource';
import type { Query } from 'mingo/query';
import { encodeResumeToken } from './resumeToken.js';
import type { AuthorizationVersion, CanSee, WatchPrincipal } from './watchPrincipal.js';
import { WatchResponses } from './watchResponses.js';

/** Counters of the work the groups did (metrics, and the tests that prove it is done once). */
export interface FanoutStats {
  /** Filter evaluations (one per document version and group). */
  filterEvaluations: number;
  /** `canSee` calls (one per document version and distinct principal at one authorization version). */
  visibilityChecks: number;
  /** Shared series computed (one per published batch, group and visibility outcome). */
  seriesBuilt: number;
}

/** What one published batch means to the watches of a group whose principals see it alike. */
export interface SharedSeries {
  /** Every entry of the batch, with whether it matched before (what the client held) and after. */
  readonly outcomes: readonly { readonly name: string; readonly before: boolean; readonly after: boolean }[];
  /** The changes to send, in order (shared objects). */
  readonly changes: readonly JsonObject[];
  /** The one committed response carrying `changes` (undefined when there are none). */
  readonly response: JsonObject | undefined;
  /** The position the response's resume token commits (the last relevant entry). */
  readonly position: Position | undefined;
}

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

interface BatchMemo {
  /** The authorization version the series were computed at (a move clears them). */
  version: number;
  /** By principal subject. */
  readonly bySubject: Map<string, SharedSeries>;
  /** By visibility outcome: principals who see the batch alike share the series. */
  readonly byOutcome: Map<string, SharedSeries>;
}

/** One group: the watches of a kind with the same selection and mask. */
export class FanoutGroup {
  readonly responses: WatchResponses;
  private readonly query: Query;
  private readonly selected = new WeakMap<JsonObject, boolean>();
  private readonly currents = new WeakMap<JsonObject, JsonObject>();
  private readonly maskTouched = new WeakMap<ChangeLogEntry, boolean>();
  private readonly batches = new WeakMap<readonly ChangeLogEntry[], BatchMemo>();
  private readonly anySelected = new WeakMap<readonly ChangeLogEntry[], boolean>();
  /** Watches in the group (the registry drops the group at zero). */
  members = 0;

  constructor(
    private readonly owner: FanoutGroups,
    readonly key: string,
    readonly descriptor: ResourceDescriptor,
    selectionKey: string,
    selection: MongoQuery,
    readonly mask: FieldMask | undefined,
  ) {
    this.query = compiledQuery(selectionKey, selection);
    this.responses = new WatchResponses(descriptor, mask);
  }

  /** Whether the document (null = absent) is selected by the group's parent and filter. */
  selects(document: JsonObject | null): boolean {
    if (document === null) return false;
    let result = this.selected.get(document);
    if (result === undefined) {
      this.owner.stats.filterEvaluations += 1;
      result = this.query.test(document);
      this.selected.set(document, result);
    }
    return result;
  }

  /** Selected and visible to `principal`. */
  matches(principal: WatchPrincipal, document: JsonObject | null): boolean {
    return document !== null && this.selects(document) && this.owner.visible(principal, document, this.descriptor.kind);
  }

  /** The `Current` change showing `document` through the group's mask (one object per document version). */
  current(document: JsonObject): JsonObject {
    let change = this.currents.get(document);
    if (change === undefined) {
      change = this.responses.current(this.responses.project(document));
      this.currents.set(document, change);
    }
    return change;
  }

  /** Whether an update entry changed a field the mask shows. */
  touchesMask(entry: ChangeLogEntry): boolean {
    if (entry.before === null || entry.after === null) return true;
    let touched = this.maskTouched.get(entry);
    if (touched === undefined) {
      touched = maskTouches(this.mask, diffPaths(this.descriptor.message, entry.before, entry.after));
      this.maskTouched.set(entry, touched);
    }
    return touched;
  }

  /**
   * Whether any entry of a batch passes the group's selection before or after: when none does, no
   * watch of the group has anything to send or to drop, whoever its principal (asked once per batch).
   */
  selectsAny(entries: readonly ChangeLogEntry[]): boolean {
    let any = this.anySelected.get(entries);
    if (any === undefined) {
      any = entries.some((entry) => this.selects(entry.before) || this.selects(entry.after));
      this.anySelected.set(entries, any);
    }
    return any;
  }

  /**
   * The series a batch of the shared tail (one array, handed alike to every subscriber of the kind)
   * makes for a watch of `principal` whose client holds exactly what matched before each entry.
   */
  series(entries: readonly ChangeLogEntry[], principal: WatchPrincipal): SharedSeries {
    const version = this.owner.authorizationVersion();
    let memo = this.batches.get(entries);
    if (memo === undefined) {
      memo = { version, bySubject: new Map(), byOutcome: new Map() };
      this.batches.set(entries, memo);
    } else if (memo.version !== version) {
      memo.version = version;
      memo.bySubject.clear();
      memo.byOutcome.clear();
    }
    const known = memo.bySubject.get(principal.subject);
    if (known !== undefined) return known;
    let outcome = '';
    const outcomes: { name: string; before: boolean; after: boolean; entry: ChangeLogEntry }[] = [];
    for (const entry of entries) {
      const before = this.matches(principal, entry.before);
      const after = this.matches(principal, entry.after);
      outcome += before ? (after ? '3' : '2') : after ? '1' : '0';
      outcomes.push({ name: entry.name, before, after, entry });
    }
    let series = memo.byOutcome.get(outcome);
    if (series === undefined) {
      series = this.build(outcomes);
      memo.byOutcome.set(outcome, series);
    }
    memo.bySubject.set(principal.subject, series);
    return series;
  }

  private build(outcomes: readonly { name: string; before: boolean; after: boolean; entry: ChangeLogEntry }[]): SharedSeries {
    this.owner.stats.seriesBuilt += 1;
    const changes: JsonObject[] = [];
    const relevant = outcomes.filter((outcome) => outcome.before || outcome.after);
    for (const { name, before, after, entry } of relevant) {
      if (after) {
        // An update the mask hides is not sent (the client's copy is unchanged).
        if (before && !this.touchesMask(entry)) continue;
        changes.push(this.current(entry.after as JsonObject));
      } else {
        changes.push(this.responses.removed(name));
      }
    }
    const last = relevant[relevant.length - 1];
    const position = last?.entry.position;
    let response: JsonObject | undefined;
    if (changes.length > 0 && position !== undefined) {
      response = this.responses.many(changes, { isCurrent: true, resumeToken: encodeResumeToken(position) });
      markShared(response);
    }
    return { outcomes: outcomes.map(({ name, before, after }) => ({ name, before, after })), changes, response, position };
  }
}

/** The groups of one engine, and the visibility memo they share. */
export class FanoutGroups {
  readonly stats: FanoutStats = { filterEvaluations: 0, visibilityChecks: 0, seriesBuilt: 0 };
  private readonly groups = new Map<string, FanoutGroup>();
  private readonly visibility = new WeakMap<JsonObject, Map<string, boolean>>();

  constructor(
    private readonly canSee: CanSee,
    /** The authorization state's version: part of the visibility memo's key, so a decision never outlives it. */
    readonly authorizationVersion: AuthorizationVersion,
  ) {}

  /** Groups alive now (metrics, tests). */
  get size(): number {
    return this.groups.size;
  }

  /** Joins (or creates) the group of watches of `descriptor` with this selection and mask; {@link release} when done. */
  acquire(descriptor: ResourceDescriptor, selection: MongoQuery, mask: FieldMask | undefined): FanoutGroup {
    const selectionKey = JSON.stringify(selection);
    const key = `${descriptor.kind}\u0000${selectionKey}\u0000${mask === undefined ? '*' : mask.paths.join(',')}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new FanoutGroup(this, key, descriptor, selectionKey, selection, mask);
      this.groups.set(key, group);
    }
    group.members += 1;
    return group;
  }

  release(group: FanoutGroup): void {
    group.members -= 1;
    if (group.members <= 0 && this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  /** Whether `principal` may see `document` of `kind` now (once per document version, principal and authorization version). */
  visible(principal: WatchPrincipal, document: JsonObject, kind: string): boolean {
    let results = this.visibility.get(document);
    const key = `${this.authorizationVersion()}\u0000${principal.subject}`;
    const known = results?.get(key);
    if (known !== undefined) return known;
    this.stats.visibilityChecks += 1;
    const result = this.canSee(principal, document, kind);
    if (results === undefined) {
      results = new Map();
      this.visibility.set(document, results);
    }
    results.set(key, result);
    return result;
  }
}
