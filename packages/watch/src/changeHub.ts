/**
 * One change-log tail per gateway, fanned out to every watch.
 *
 * The hub tails `changesSince` from the store's head and hands each batch to the subscribers of
 * the entries' kinds, synchronously and in order. It keeps the most recent entries in a ring, so
 * a watch that subscribes from a slightly older position (its snapshot's head, a recent resume
 * token) is served from memory; an older position gets a private catch-up feed that reads the
 * store until it reaches the hub, then joins the shared tail without a gap or a duplicate.
 *
 * Invariant: every entry in (ringFloor, position] is in the ring, and every entry after
 * `position` will be published.
 */
import { KeystreamError } from '@keystream/api';
import { isChangeLogExpiredError, type ChangeFeed, type ChangeLogEntry, type Position, type ReadStore } from '@keystream/readstore';
import { comparePositions, laterPosition } from '@keystream/kernel';

/** Receives a subscription's entries (already restricted to its kind and to positions after its start). */
export interface HubListener {
  onEntries(entries: readonly ChangeLogEntry[]): void;
  /** The subscription ended: its feed expired, the hub lost its feed, or it fell too far behind. */
  onError(error: Error): void;
}

/**
 * Subscribers that share a selection (a fan-out group). Once caught up with the tail, a batch the
 * bucket selects nothing of (no entry's before or after passes its parent and filter) is not
 * handed to them at all: such entries can change nothing any of them shows, so one check per batch
 * and bucket replaces one call per watch.
 */
export interface HubBucket {
  selectsAny(entries: readonly ChangeLogEntry[]): boolean;
}

/** One watch's view of the shared tail. */
export interface HubSubscription {
  /** Every entry of the kind up to this position has been delivered. */
  through(): Position;
  /** Resolves once every entry up to `position` has been delivered (or rejects if the subscription fails). */
  reached(position: Position): Promise<void>;
  close(): void;
}

/** Why the hub dropped a subscription: the shared feed was lost (the watch must take a fresh snapshot). */
export class FeedLostError extends KeystreamError {
  constructor(reason: string) {
    super('UNAVAILABLE', `the watch gateway lost its change-log feed (${reason}); a fresh snapshot follows`);
  }
}

/** Options of {@link ChangeHub}. */
export interface ChangeHubOptions {
  /** Recent entries kept in memory for subscribers that start a little behind (default 5,000; up to 1.25× before a trim). */
  readonly ringSize?: number;
  /** Entries a catching-up subscriber may accumulate from the live tail before it is dropped (default 50,000). */
  readonly maxPendingPerCatchUp?: number;
  /** Failures of the feed, for the logs. */
  readonly onFeedError?: (error: unknown) => void;
}

interface Waiter {
  readonly position: Position;
  resolve(): void;
  reject(error: Error): void;
}

class Subscriber implements HubSubscription {
  cursor: Position;
  catchingUp = false;
  /**
   * Caught up with the shared tail: every batch published from now on is entirely after the
   * cursor, so it is handed over as is, without comparing positions (the cursor then lags behind;
   * `through` reads the hub's position instead).
   */
  live = false;
  pending: ChangeLogEntry[] = [];
  closed = false;
  waiters: Waiter[] = [];
  feed: ChangeFeed | undefined;

  constructor(
    readonly hub: ChangeHub,
    readonly kind: string,
    from: Position,
    readonly listener: HubListener,
    readonly bucket: HubBucket | undefined,
  ) {
    this.cursor = from;
  }

  /** Everything up to here has been delivered. */
  through(): Position {
    return this.catchingUp ? this.cursor : laterPosition(this.cursor, this.hub.position);
  }

  deliver(entries: readonly ChangeLogEntry[]): void {
    const last = entries[entries.length - 1];
    if (last === undefined || comparePositions(last.position, this.cursor) <= 0) return;
    const first = entries[0] as ChangeLogEntry;
    const fresh = comparePositions(first.position, this.cursor) > 0 ? entries : entries.filter((entry) => comparePositions(entry.position, this.cursor) > 0);
    this.cursor = last.position;
    this.listener.onEntries(fresh);
  }

  settleWaiters(): void {
    if (this.waiters.length === 0) {
      this.hub.waiting.delete(this);
      return;
    }
    const through = this.through();
    this.waiters = this.waiters.filter((waiter) => {
      if (comparePositions(waiter.position, through) > 0) return true;
      waiter.resolve();
      return false;
    });
    if (this.waiters.length === 0) this.hub.waiting.delete(this);
  }

  fail(error: Error): void {
    if (this.closed) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.close();
    this.listener.onError(error);
  }

  reached(position: Position): Promise<void> {
    if (comparePositions(position, this.through()) <= 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new FeedLostError('subscription closed'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ position, resolve, reject });
      this.hub.waiting.add(this);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.unsubscribe(this);
    this.hub.waiting.delete(this);
    void this.feed?.close();
    // Whoever waits on a closed subscription must not wait forever (a watch closing mid-snapshot).
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new FeedLostError('subscription closed'));
  }
}

/** The shared change-log tail of one gateway. */
export class ChangeHub {
  /** Last position published (everything up to it has been delivered to live subscribers). */
  position: Position = '';
  private ringFloor: Position = '';
  private ring: ChangeLogEntry[] = [];
  /** The subscribers publish hands every batch of their kind to (all but the bucketed ones), by kind. */
  private readonly byKind = new Map<string, Set<Subscriber>>();
  /** The caught-up subscribers with a bucket, by kind and bucket (publish skips them per bucket). */
  private readonly bucketed = new Map<string, Map<HubBucket, Set<Subscriber>>>();
  /** Subscribers with waiters on `reached` (settled after each batch; usually a few snapshotting watches). */
  readonly waiting = new Set<Subscriber>();
  private readonly publishedListeners = new Set<() => void>();
  private readonly ringSize: number;
  private readonly maxPending: number;
  private feed: ChangeFeed | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private backoff: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  /** Batches published since start (metrics, tests). */
  batches = 0;

  constructor(
    private readonly store: ReadStore,
    private readonly options: ChangeHubOptions = {},
  ) {
    this.ringSize = options.ringSize ?? 5_000;
    this.maxPending = options.maxPendingPerCatchUp ?? 50_000;
  }

  /** Starts tailing from the store's head. */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    this.position = await this.store.head();
    this.ringFloor = this.position;
    this.running = this.run();
  }

  /** Number of live subscriptions (metrics). */
  get subscriptions(): number {
    let total = 0;
    for (const set of this.byKind.values()) total += set.size;
    for (const buckets of this.bucketed.values()) for (const members of buckets.values()) total += members.size;
    return total;
  }

  /**
   * Subscribes to the entries of `kind` strictly after `from`. Entries the hub already passed are
   * replayed from the ring or, when older, from a private catch-up feed.
   */
  subscribe(kind: string, from: Position, listener: HubListener, bucket?: HubBucket): HubSubscription {
    const subscriber = new Subscriber(this, kind, from, listener, bucket);
    let set = this.byKind.get(kind);
    if (set === undefined) {
      set = new Set();
      this.byKind.set(kind, set);
    }
    set.add(subscriber);
    if (comparePositions(from, this.position) >= 0) return subscriber;
    if (comparePositions(from, this.ringFloor) >= 0) {
      const replay = this.ring.filter((entry) => entry.kind === kind && comparePositions(entry.position, from) > 0);
      // Delivered on the next tick: the caller finishes wiring its listener first.
      subscriber.catchingUp = true;
      queueMicrotask(() => {
        if (subscriber.closed) return;
        subscriber.catchingUp = false;
        const pending = subscriber.pending;
        subscriber.pending = [];
        subscriber.deliver(replay);
        subscriber.deliver(pending);
        if (comparePositions(subscriber.cursor, this.position) < 0) subscriber.cursor = this.position;
        subscriber.settleWaiters();
      });
      return subscriber;
    }
    subscriber.catchingUp = true;
    void this.catchUp(subscriber, this.position);
    return subscriber;
  }

  /** @internal */
  unsubscribe(subscriber: Subscriber): void {
    this.byKind.get(subscriber.kind)?.delete(subscriber);
    if (subscriber.bucket !== undefined && subscriber.live) {
      const buckets = this.bucketed.get(subscriber.kind);
      const members = buckets?.get(subscriber.bucket);
      members?.delete(subscriber);
      if (members?.size === 0) buckets?.delete(subscriber.bucket);
    }
  }

  /**
   * Drops the shared feed as if it had been lost: every subscriber fails with
   * {@link FeedLostError} (its watch hard-resets) and the hub restarts from the store's head.
   */
  async resetFeed(reason: string): Promise<void> {
    await this.restartFromHead(new FeedLostError(reason));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.backoff !== undefined) {
      clearTimeout(this.backoff.timer);
      this.backoff.resolve();
    }
    await this.feed?.close();
    for (const subscriber of this.allSubscribers()) void subscriber.feed?.close();
    this.byKind.clear();
    this.bucketed.clear();
    await this.running;
  }

  private isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `listener` after each batch of the shared tail has been handed to the subscribers (of
   * any kind): the engine re-checks state that moves with the log, such as authorization, there.
   * Returns the function that removes it.
   */
  onPublished(listener: () => void): () => void {
    this.publishedListeners.add(listener);
    return () => {
      this.publishedListeners.delete(listener);
    };
  }

  private async run(): Promise<void> {
    let delay = 50;
    while (!this.closed) {
      const feed = this.store.changesSince(this.position);
      this.feed = feed;
      try {
        for await (const batch of feed) {
          this.publish(batch);
          delay = 50;
        }
      } catch (error) {
        if (this.isClosed()) break;
        this.options.onFeedError?.(error);
        if (isChangeLogExpiredError(error)) {
          await this.restartFromHead(new FeedLostError('the shared tail fell behind the change log\'s retention'));
        } else {
          // A transient failure: resume from the last published position, nothing is lost.
          await this.sleep(delay);
          delay = Math.min(delay * 2, 5_000);
        }
      } finally {
        await feed.close();
      }
    }
  }

  private sleep(milliseconds: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.backoff = undefined;
        resolve();
      }, milliseconds);
      this.backoff = { timer, resolve };
    });
  }

  private async restartFromHead(error: FeedLostError): Promise<void> {
    const head = await this.store.head();
    const lost = this.allSubscribers();
    this.byKind.clear();
    this.bucketed.clear();
    this.position = laterPosition(head, this.position);
    this.ringFloor = this.position;
    this.ring = [];
    const feed = this.feed;
    for (const subscriber of lost) subscriber.fail(error);
    // The running loop re-opens its feed from the new position.
    await feed?.close();
  }

  private publish(batch: readonly ChangeLogEntry[]): void {
    const last = batch[batch.length - 1];
    if (last === undefined) return;
    this.batches += 1;
    for (const entry of batch) this.ring.push(entry);
    if (this.ring.length > this.ringSize * 1.25) {
      // Trim in bulk, at a position boundary so the floor stays exact.
      let cut = this.ring.length - this.ringSize;
      while (cut < this.ring.length && (this.ring[cut] as ChangeLogEntry).position === (this.ring[cut - 1] as ChangeLogEntry).position) cut += 1;
      this.ringFloor = (this.ring[cut - 1] as ChangeLogEntry).position;
      this.ring = this.ring.slice(cut);
    }
    this.position = last.position;
    const groups = new Map<string, ChangeLogEntry[]>();
    for (const entry of batch) {
      if (!this.byKind.has(entry.kind)) continue;
      const group = groups.get(entry.kind);
      if (group === undefined) groups.set(entry.kind, [entry]);
      else group.push(entry);
    }
    for (const [kind, entries] of groups) {
      const promoted: Subscriber[] = [];
      // Not copied: a subscriber removed meanwhile is skipped, one added meanwhile takes only
      // entries after its own start (deliver checks its cursor).
      for (const subscriber of this.byKind.get(kind) ?? []) {
        if (subscriber.live) {
          subscriber.listener.onEntries(entries);
        } else if (subscriber.catchingUp) {
          for (const entry of entries) subscriber.pending.push(entry);
          if (subscriber.pending.length > this.maxPending) subscriber.fail(new FeedLostError('a catching-up watch fell too far behind'));
        } else {
          subscriber.deliver(entries);
          if (!subscriber.closed && comparePositions(subscriber.cursor, this.position) >= 0) {
            subscriber.live = true;
            if (subscriber.bucket !== undefined) promoted.push(subscriber);
          }
        }
      }
      const buckets = this.bucketed.get(kind);
      if (buckets !== undefined) {
        for (const [bucket, members] of buckets) {
          if (!bucket.selectsAny(entries)) continue;
          for (const subscriber of members) subscriber.listener.onEntries(entries);
        }
      }
      // Joined after the loops, so this batch is not handed to them twice.
      for (const subscriber of promoted) this.joinBucket(subscriber);
    }
    for (const subscriber of [...this.waiting]) subscriber.settleWaiters();
    for (const listener of [...this.publishedListeners]) listener();
  }

  private allSubscribers(): Subscriber[] {
    const all = [...this.byKind.values()].flatMap((set) => [...set]);
    for (const buckets of this.bucketed.values()) for (const members of buckets.values()) all.push(...members);
    return all;
  }

  private joinBucket(subscriber: Subscriber): void {
    const bucket = subscriber.bucket;
    if (bucket === undefined || subscriber.closed) return;
    let buckets = this.bucketed.get(subscriber.kind);
    if (buckets === undefined) {
      buckets = new Map();
      this.bucketed.set(subscriber.kind, buckets);
    }
    let members = buckets.get(bucket);
    if (members === undefined) {
      members = new Set();
      buckets.set(bucket, members);
    }
    members.add(subscriber);
    this.byKind.get(subscriber.kind)?.delete(subscriber);
  }

  private async catchUp(subscriber: Subscriber, target: Position): Promise<void> {
    const feed = this.store.changesSince(subscriber.cursor);
    subscriber.feed = feed;
    try {
      if (comparePositions(subscriber.cursor, target) < 0) {
        for await (const batch of feed) {
          if (subscriber.closed) return;
          const last = batch[batch.length - 1];
          if (last === undefined) continue;
          subscriber.deliver(batch.filter((entry) => entry.kind === subscriber.kind));
          subscriber.cursor = laterPosition(subscriber.cursor, last.position);
          subscriber.settleWaiters();
          if (comparePositions(subscriber.cursor, target) >= 0) break;
        }
      }
      if (subscriber.closed) return;
      subscriber.catchingUp = false;
      const pending = subscriber.pending;
      subscriber.pending = [];
      subscriber.deliver(pending);
      subscriber.settleWaiters();
    } catch (error) {
      subscriber.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      subscriber.feed = undefined;
      await feed.close();
    }
  }
}
