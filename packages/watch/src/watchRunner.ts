/**
 * What every watch shares: its subscription to the shared tail, its bounded entry queue, sending
 * with backpressure, chunk series with soft resets, and the reset/failure plumbing.
 */
import { isKeystreamError, KeystreamError } from '@keystream/api';
import { isChangeLogExpiredError, type ChangeLogEntry, type JsonObject, type Position, type ReadStore } from '@keystream/readstore';
import type { PageTokenKey } from '@keystream/resource';
import { FeedLostError, type ChangeHub, type HubBucket, type HubSubscription } from './changeHub.js';
import { DocumentMatcher } from './documentMatcher.js';
import type { FanoutGroup, FanoutGroups } from './fanoutGroup.js';
import { comparePositions } from '@keystream/kernel';
import { EntryQueue } from './entryQueue.js';
import type { WatchPlan } from './watchPlan.js';
import type { AuthorizationVersion, CanSee, RightsMoved, WatchPrincipal } from './watchPrincipal.js';
import type { WatchResponses } from './watchResponses.js';
import type { WatchSink } from './watchSink.js';

/** Fault injection for tests of the reset paths; never set in production. */
export interface WatchFaults {
  /** Called before each chunk of a multi-chunk series; throwing simulates an internal error mid-series. */
  beforeChunk?(chunk: { readonly index: number; readonly count: number }): void;
}

/** What the engine gives every watch: one object for all of them (the principal is each watch's own). */
export interface WatchContext {
  readonly store: ReadStore;
  readonly hub: ChangeHub;
  /** The engine's fan-out groups: the watch evaluates and shapes changes through its group. */
  readonly groups: FanoutGroups;
  readonly canSee: CanSee;
  /** The version of the state `canSee` decides on; the watch re-checks what it shows when it moves. */
  readonly authorizationVersion: AuthorizationVersion;
  /** Whether a move of the version touched the principal's rights. */
  readonly rightsMoved: RightsMoved;
  readonly pageTokenKey: PageTokenKey;
  /** Changes between two unsolicited `snapshot_size` responses. */
  readonly snapshotSizeInterval: number;
  /** Entries a watch may have waiting before it is reset (it cannot keep up, or its client does not read). */
  readonly maxQueuedEntries: number;
  readonly faults?: WatchFaults | undefined;
  /** Told once when a watch has ended (the engine forgets it). */
  readonly ended: (watch: WatchRunner) => void;
}

/** The watch could not keep up with the change log (usually: its client stopped reading). */
export class WatchOverflowError extends KeystreamError {
  constructor(limit: number) {
    super('RESOURCE_EXHAUSTED', `the watch fell more than ${limit} changes behind; a fresh snapshot follows`);
  }
}

/** The watch was closed; its loop ends quietly. */
class WatchClosed extends Error {}

/** True for failures a watch answers with a (hard) reset rather than an error. */
export function isResetCause(error: unknown): boolean {
  return isChangeLogExpiredError(error) || error instanceof FeedLostError || error instanceof WatchOverflowError;
}

const MAX_SERIES_ATTEMPTS = 3;

/** A running watch; the engine hands it out as the watch's handle. */
export abstract class WatchRunner<Plan extends WatchPlan = WatchPlan> {
  protected queue = new EntryQueue();
  protected subscription: HubSubscription | undefined;
  protected readonly responses: WatchResponses;
  protected readonly matcher: DocumentMatcher;
  /** The watches showing the same kind, selection and mask: changes are evaluated and shaped once for all of them. */
  protected readonly group: FanoutGroup;
  /**
   * A response sent outside the watch's loop (a shared series) found the transport above its
   * limit: the loop waits for it to drain before its next send.
   */
  protected mustWaitWritable = false;
  private groupReleased = false;
  /** The last resume token handed out, as a position; undefined for watches without tokens. */
  protected committed: Position | undefined;
  /** The authorization version the client's view was last computed with. */
  protected authorizationSeen: number;
  private closedFlag = false;
  private finished: Promise<void> = Promise.resolve();

  constructor(
    protected readonly context: WatchContext,
    readonly plan: Plan,
    protected readonly sink: WatchSink,
    protected readonly principal: WatchPrincipal,
  ) {
    this.group = context.groups.acquire(plan.descriptor, plan.type === 'single' ? {} : plan.selection, plan.mask);
    this.responses = this.group.responses;
    this.matcher = new DocumentMatcher(this.group, principal);
    this.authorizationSeen = context.authorizationVersion();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Resolves when the watch has ended (closed, or failed and reported to its sink). */
  get done(): Promise<void> {
    return this.finished;
  }

  start(): void {
    this.finished = this.run().then(
      () => {
        this.end();
      },
      (error: unknown) => {
        this.end();
        if (this.closedFlag || error instanceof WatchClosed) return;
        this.closedFlag = true;
        this.sink.fail(isKeystreamError(error) ? error : new KeystreamError('INTERNAL', 'the watch failed unexpectedly', [], { cause: error }));
      },
    );
  }

  close(): void {
    this.closedFlag = true;
    this.end();
  }

  /** Periodic tick from the engine: lets an idle watch that hands out resume tokens advance its token. */
  markProgress(): void {
    const subscription = this.subscription;
    if (subscription === undefined || this.committed === undefined) return;
    const through = subscription.through();
    if (comparePositions(through, this.committed) > 0) this.queue.markProgress(through);
  }

  /**
   * From the engine: the authorization version moved; wakes the watch so it re-checks what it
   * shows, unless the move left its principal's rights alone.
   */
  authorizationChanged(): void {
    if (this.authorizationMoved()) this.queue.nudge();
  }

  /**
   * Whether the principal's rights moved since the client's view was last computed. A move that
   * touched only other principals is recorded as seen: what this watch shows is still right.
   */
  protected authorizationMoved(): boolean {
    const version = this.context.authorizationVersion();
    if (version === this.authorizationSeen) return false;
    if (this.context.rightsMoved(this.principal, this.authorizationSeen)) return true;
    this.authorizationSeen = version;
    return false;
  }

  /** Records that the view is being (re)computed with the current authorization state. */
  protected markAuthorizationSeen(): void {
    this.authorizationSeen = this.context.authorizationVersion();
  }

  protected abstract run(): Promise<void>;

  private end(): void {
    if (!this.groupReleased) {
      this.groupReleased = true;
      this.context.groups.release(this.group);
      this.context.ended(this);
      this.sink.ended?.();
    }
    this.subscription?.close();
    this.subscription = undefined;
    this.queue.interrupt();
  }

  /** (Re)subscribes to the kind's entries after `from`, with a fresh queue. */
  protected subscribe(from: Position): HubSubscription {
    this.subscription?.close();
    const queue = new EntryQueue();
    this.queue = queue;
    const limit = this.context.maxQueuedEntries;
    const subscription = this.context.hub.subscribe(this.plan.descriptor.kind, from, {
      onEntries: (entries) => {
        // A watch idle at the tail takes the batch as its group's shared series, at once.
        if (this.takeShared?.(entries) === true) return;
        // Filtered here, synchronously in the fan-out: a watch wakes only for entries it may show.
        const relevant = entries.filter((entry) => this.isRelevant(entry));
        if (relevant.length === 0) return;
        queue.push(relevant);
        if (queue.size > limit) {
          subscription.close();
          queue.fail(new WatchOverflowError(limit));
        }
      },
      onError: (error) => {
        queue.fail(error);
      },
    }, this.hubBucket());
    this.subscription = subscription;
    return subscription;
  }

  /**
   * Handles a batch of the shared tail synchronously, without queueing it, when the watch can (it
   * is idle at the tail and what it would send is its group's shared series). False: queue it.
   */
  protected takeShared?(entries: readonly ChangeLogEntry[]): boolean;

  /**
   * The hub bucket of the watch, if batches that its group's selection does not touch may be kept
   * from it once it has caught up (they can change nothing it shows). Default: none.
   */
  protected hubBucket(): HubBucket | undefined {
    return undefined;
  }

  /**
   * Whether an entry can change what the client holds. Default: the document matched the watch
   * before or after it (a document the client holds always matched before its next change).
   */
  protected isRelevant(entry: ChangeLogEntry): boolean {
    return this.matcher.matches(entry.before) || this.matcher.matches(entry.after);
  }

  /**
   * Waits for entries; throws the subscription's failure; throws WatchClosed when closed. (No
   * async frame of its own while the watch idles: see EntryQueue.take.)
   */
  protected take(): Promise<ChangeLogEntry[]> {
    return this.queue.take().then((entries) => {
      this.assertOpen();
      return entries;
    });
  }

  protected assertOpen(): void {
    if (this.closedFlag) throw new WatchClosed();
  }

  /** Sends one response, then waits while the transport is above its buffer limit. */
  protected async emit(response: JsonObject): Promise<void> {
    this.assertOpen();
    if (this.mustWaitWritable) {
      this.mustWaitWritable = false;
      await this.sink.whenWritable();
      this.assertOpen();
    }
    if (!this.sink.send(response)) {
      await this.sink.whenWritable();
      this.assertOpen();
    }
  }

  /**
   * Sends `changes` as a series of chunks, the last one `is_current` with `flags`. A failure in the
   * middle of a series is answered with `is_soft_reset` (the client drops the uncommitted chunks)
   * and the series is sent again.
   */
  protected async emitSeries(changes: readonly JsonObject[], chunkSize: number, last: Omit<Parameters<WatchResponses['many']>[1], 'isCurrent'>): Promise<void> {
    const size = chunkSize <= 0 ? Math.max(changes.length, 1) : chunkSize;
    const count = Math.max(1, Math.ceil(changes.length / size));
    for (let attempt = 1; ; attempt += 1) {
      let sent = 0;
      try {
        for (let index = 0; index < count; index += 1) {
          if (count > 1) this.context.faults?.beforeChunk?.({ index, count });
          const chunk = changes.slice(index * size, (index + 1) * size);
          const final = index === count - 1;
          await this.emit(this.responses.many(chunk, final ? { ...last, isCurrent: true } : {}));
          sent += 1;
        }
        return;
      } catch (error) {
        if (error instanceof WatchClosed || this.closedFlag) throw error;
        if (attempt >= MAX_SERIES_ATTEMPTS) throw error;
        if (sent > 0) await this.emit(this.responses.softReset());
      }
    }
  }
}
