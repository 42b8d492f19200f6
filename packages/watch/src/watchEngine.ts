/**
 * Opens watches: validates and compiles the request, picks the watch type and starts it on the
 * gateway's shared tail. Transports (WebSocket, NDJSON) call {@link WatchEngine.open}.
 */
import type { MethodDescriptor } from '@keystream/api';
import type { ReadStore } from '@keystream/readstore';
import type { PageTokenKey } from '@keystream/resource';
import type { ChangeHub } from './changeHub.js';
import { FanoutGroups, type FanoutStats } from './fanoutGroup.js';
import { SingleResourceWatch } from './singleResourceWatch.js';
import { SlicedSet } from './slicedSet.js';
import { StatefulWatch } from './statefulWatch.js';
import { StatelessWatch } from './statelessWatch.js';
import { planWatch, type WatchPlan } from './watchPlan.js';
import { ANONYMOUS, SEE_EVERYTHING, type AuthorizationVersion, type CanSee, type RightsMoved, type WatchPrincipal } from './watchPrincipal.js';
import type { WatchContext, WatchFaults, WatchRunner } from './watchRunner.js';
import type { WatchSink } from './watchSink.js';

/** Options of {@link WatchEngine}. */
export interface WatchEngineOptions {
  readonly store: ReadStore;
  readonly hub: ChangeHub;
  /** The key List signs page tokens with (stateful watches accept and hand out the same tokens). */
  readonly pageTokenKey: PageTokenKey;
  /** Authorization hook (issue 7); default: everything visible. */
  readonly canSee?: CanSee;
  /**
   * The version of the state `canSee` decides on (default: never moves). Checked after every batch
   * of the shared tail and on the progress tick; when it moves, every open watch re-checks what its
   * client holds (Removed / Current, a page diff, or a hard reset; docs/watch.md).
   */
  readonly authorizationVersion?: AuthorizationVersion;
  /**
   * Whose rights a move of the version touched (default: everyone's). Watches of other principals
   * re-check nothing and send nothing.
   */
  readonly rightsMoved?: RightsMoved;
  /** Changes between two unsolicited `snapshot_size` responses (default 1000). */
  readonly snapshotSizeInterval?: number;
  /** Entries a watch may have waiting before it is reset (default 10,000). */
  readonly maxQueuedEntries?: number;
  /**
   * How often each idle stateless watch is handed a fresh resume token (default 10 s). The watches
   * are spread over the interval, visited a share at a time in ticks of at most 250 ms; a watch's
   * first visit comes one to two intervals after it opened.
   */
  readonly progressIntervalMs?: number;
  readonly faults?: WatchFaults;
  /**
   * Stream methods that are not resource watches (WatchPrincipalUpdates), by method name: started
   * instead of a resource watch, on whichever transport opened them.
   */
  readonly streams?: Readonly<Record<string, StreamWatchFactory>>;
}

/** Starts a stream method that is not a resource watch; validates `request` synchronously (INVALID_ARGUMENT). */
export type StreamWatchFactory = (request: Readonly<Record<string, unknown>>, sink: WatchSink, principal: WatchPrincipal) => { close(): void; readonly done: Promise<void> };

/** A running watch. */
export interface WatchHandle {
  /** The compiled request of a resource watch; undefined for the other stream methods. */
  readonly plan: WatchPlan | undefined;
  /** Stops the watch; it sends nothing more. */
  close(): void;
  /** Resolves when the watch has ended. */
  readonly done: Promise<void>;
}

/** The longest gap between two progress ticks; the interval is dealt into slices of about this. */
const PROGRESS_TICK_MS = 250;

export class WatchEngine {
  /** Open watches, dealt into slices: each progress tick visits one slice (slicedSet.ts says why). */
  private readonly open: SlicedSet<WatchRunner>;
  private readonly progressTickMs: number;
  private progressTimer: NodeJS.Timeout | undefined;
  private progressSlice = 0;
  private readonly authorizationVersion: AuthorizationVersion;
  private knownAuthorizationVersion: number;
  private readonly stopListening: () => void;
  private readonly groups: FanoutGroups;
  /** Shared by every watch (an idle watch is small; a context per watch was a tenth of it). */
  private readonly context: WatchContext;

  constructor(private readonly options: WatchEngineOptions) {
    const progressIntervalMs = options.progressIntervalMs ?? 10_000;
    this.progressTickMs = Math.min(progressIntervalMs, PROGRESS_TICK_MS);
    this.open = new SlicedSet(Math.max(1, Math.round(progressIntervalMs / this.progressTickMs)));
    this.authorizationVersion = options.authorizationVersion ?? (() => 0);
    this.groups = new FanoutGroups(options.canSee ?? SEE_EVERYTHING, this.authorizationVersion);
    this.context = {
      store: options.store,
      hub: options.hub,
      groups: this.groups,
      canSee: options.canSee ?? SEE_EVERYTHING,
      authorizationVersion: this.authorizationVersion,
      rightsMoved: options.rightsMoved ?? (() => true),
      pageTokenKey: options.pageTokenKey,
      snapshotSizeInterval: options.snapshotSizeInterval ?? 1000,
      maxQueuedEntries: options.maxQueuedEntries ?? 10_000,
      faults: options.faults,
      ended: (runner) => {
        this.open.delete(runner);
        if (this.open.size === 0) this.stopProgressTimer();
      },
    };
    this.knownAuthorizationVersion = this.authorizationVersion();
    // A change of rights arrives through the log like any change (a binding, a group), so the end
    // of each published batch is when it can first be seen.
    this.stopListening =
      options.authorizationVersion === undefined
        ? () => undefined
        : options.hub.onPublished(() => {
            this.checkAuthorization();
          });
  }

  /** The work the fan-out groups did: filter evaluations, visibility checks, shared series (metrics, tests). */
  get fanoutStats(): Readonly<FanoutStats> {
    return this.groups.stats;
  }

  /** Fan-out groups alive now: distinct (kind, selection, mask) among the open watches. */
  get fanoutGroups(): number {
    return this.groups.size;
  }

  /** Watches running now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Validates `request` (internal form, already decoded against the method's schema) and starts
   * the watch. Throws INVALID_ARGUMENT naming the field for a bad request, UNIMPLEMENTED for a
   * stream that is not a resource watch.
   */
  start(method: MethodDescriptor, request: Readonly<Record<string, unknown>>, sink: WatchSink, principal: WatchPrincipal = ANONYMOUS): WatchHandle {
    const stream = this.options.streams?.[method.name];
    if (stream !== undefined) {
      const handle = stream(request, sink, principal);
      // Its sink is told of the end like a resource watch's.
      const done = handle.done.finally(() => sink.ended?.());
      return { plan: undefined, close: () => { handle.close(); }, done };
    }
    const plan = planWatch(method, request, this.options.pageTokenKey);
    const context = this.context;
    let runner: WatchRunner;
    switch (plan.type) {
      case 'single':
        runner = new SingleResourceWatch(context, plan, sink, principal);
        break;
      case 'stateless':
        runner = new StatelessWatch(context, plan, sink, principal);
        break;
      case 'stateful':
        runner = new StatefulWatch(context, plan, sink, principal);
        break;
      default: {
        const unreachable: never = plan;
        throw new Error(`unknown watch plan ${JSON.stringify(unreachable)}`);
      }
    }
    this.open.add(runner);
    this.ensureProgressTimer();
    runner.start();
    // The runner is the handle: no wrapper object or promise chain per watch (it tells the engine
    // and its sink when it ends).
    return runner;
  }

  private ensureProgressTimer(): void {
    if (this.progressTimer !== undefined) return;
    this.progressTimer = setInterval(() => {
      // Also the fallback for a change of rights no published batch revealed.
      this.checkAuthorization();
      // One slice per tick: each watch is visited once per interval, never all in one turn.
      this.open.visit(this.progressSlice, (runner) => {
        runner.markProgress();
      });
      this.progressSlice = (this.progressSlice + 1) % this.open.sliceCount;
    }, this.progressTickMs);
    this.progressTimer.unref();
  }

  /** Cheap when nothing moved: one comparison. When it did, the watches of affected principals re-check. */
  private checkAuthorization(): void {
    const version = this.authorizationVersion();
    if (version === this.knownAuthorizationVersion) return;
    this.knownAuthorizationVersion = version;
    for (const runner of this.open) runner.authorizationChanged();
  }

  private stopProgressTimer(): void {
    if (this.progressTimer !== undefined) clearInterval(this.progressTimer);
    this.progressTimer = undefined;
  }

  /** Closes every watch and waits for them to end. */
  async close(): Promise<void> {
    this.stopListening();
    this.stopProgressTimer();
    const runners = [...this.open];
    for (const runner of runners) runner.close();
    await Promise.all(runners.map((runner) => runner.done));
  }
}
