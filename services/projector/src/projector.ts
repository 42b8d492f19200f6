/**
 * The projector (ARCHITECTURE.md §1): one catch-up subscription on `$all` from the stored
 * checkpoint, turning events into read-model documents in batches. Each batch is one read-store
 * `apply`, which writes the documents, their change-log entries and the checkpoint in one
 * transaction, so a crash at any instant resumes exactly after the last committed batch.
 */
import { isStorageExhausted, KeystreamError } from '@keystream/api';
import { START_POSITION, comparePositions, type AllSubscription, type EventStore, type Position, type SubscriptionMessage } from '@keystream/eventstore';
import type { ApplyBatch, ApplyResult, DocumentWrite, ReadStore } from '@keystream/readstore';
import { PositionWaiters } from './positionWaiters.js';
import { positionDistance } from './positionDistance.js';
import type { BatchSummary, ProjectorMetrics, ProjectorState } from './projectorMetrics.js';
import type { ProjectorLogger, ProjectorOptions } from './projectorOptions.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, isTransientError, sleep, type RetryPolicy } from './retryPolicy.js';
import { ThroughputWindow } from './throughputWindow.js';
import { writeForEvent } from './writeForEvent.js';

/** The checkpoint key used when none is given. */
export const DEFAULT_PROJECTOR_NAME = 'read-model';

const DEFAULT_MAX_BATCH_EVENTS = 512;
const DEFAULT_MAX_BATCH_DELAY_MS = 50;
const DEFAULT_CHECKPOINT_INTERVAL = 256;
const DEFAULT_THROUGHPUT_WINDOW_MS = 10_000;

/** Marks "the subscription had nothing ready within one turn of the event loop". */
const IDLE = Symbol('idle');

/** What one pull on the subscription produced; never a rejection, so it can be raced safely. */
type Received =
  | { readonly kind: 'message'; readonly message: SubscriptionMessage }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: unknown };

/** Events received and not yet committed. */
interface OpenBatch {
  readonly writes: DocumentWrite[];
  events: number;
  withoutEffect: number;
  rejected: number;
  /** Last event or subscription checkpoint received: the checkpoint this batch stores. */
  upTo: Position;
  /** Clock time the first event entered, for {@link ProjectorOptions.maxBatchDelayMs}. */
  openedAt: number | undefined;
  lastOccurredAt: string | undefined;
}

function openBatch(upTo: Position): OpenBatch {
  return { writes: [], events: 0, withoutEffect: 0, rejected: 0, upTo, openedAt: undefined, lastOccurredAt: undefined };
}

const silentLogger: ProjectorLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Projects the event log into the read store. An instance runs once: {@link start}, then
 * {@link stop} (or a fatal error); start a new instance to resume. It does not own the stores
 * and never closes them.
 */
export class Projector {
  /** The checkpoint key. */
  readonly name: string;
  private readonly eventStore: EventStore;
  private readonly readStore: ReadStore;
  private readonly maxBatchEvents: number;
  private readonly maxBatchDelayMs: number;
  private readonly checkpointInterval: number;
  private readonly retry: RetryPolicy;
  private readonly logger: ProjectorLogger;
  private readonly clock: () => number;
  private readonly wallClock: () => number;
  private readonly options: ProjectorOptions;

  private state: ProjectorState = 'new';
  private applied: Position = START_POSITION;
  /** Position of the last batch handed to a commit (committed or in flight). */
  private dispatched: Position = START_POSITION;
  /** The commit in flight, if any; the next one starts only after it (see flush). */
  private inFlight: Promise<void> | undefined;
  private batch: OpenBatch = openBatch(START_POSITION);
  private subscription: AllSubscription | undefined;
  private readonly stopRequest = new AbortController();
  private readonly waiters = new PositionWaiters();
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  private idleTick: Promise<typeof IDLE> | undefined;
  private readonly warnedKinds = new Set<string>();
  private throughput: ThroughputWindow;

  private eventsApplied = 0;
  private eventsWithoutEffect = 0;
  private eventsRejected = 0;
  private documentsChanged = 0;
  private writesSkipped = 0;
  private batches = 0;
  private applyRetries = 0;
  private resubscriptions = 0;
  private lastBatchEvents = 0;
  private lastBatchDurationMs = 0;
  private lastEventAgeMs: number | undefined;

  constructor(options: ProjectorOptions) {
    this.options = options;
    this.name = options.name ?? DEFAULT_PROJECTOR_NAME;
    this.eventStore = options.eventStore;
    this.readStore = options.readStore;
    this.maxBatchEvents = Math.max(1, options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS);
    this.maxBatchDelayMs = Math.max(0, options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS);
    this.checkpointInterval = options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? ((): number => performance.now());
    this.wallClock = options.wallClock ?? Date.now;
    this.throughput = new ThroughputWindow(options.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS, this.clock());
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Whoever does not call done() must not see an unhandled rejection; done() still rejects.
    this.finished.catch(() => undefined);
  }

  /** Where the projector is in its lifecycle. */
  get status(): ProjectorState {
    return this.state;
  }

  /** The stored checkpoint: everything up to it is in the read store. */
  get position(): Position {
    return this.applied;
  }

  /**
   * Reads the checkpoint and opens the subscription after it; resolves once running (the
   * projection itself goes on in the background). Rejects if the checkpoint cannot be read.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') {
      throw new KeystreamError('FAILED_PRECONDITION', `projector ${this.name} is ${this.state}; a Projector runs once, create a new one to start again`);
    }
    this.state = 'starting';
    let checkpoint: Position;
    try {
      checkpoint = (await this.readStore.checkpoint(this.name)) ?? START_POSITION;
    } catch (error) {
      this.fail(error);
      throw error;
    }
    if (this.stopRequest.signal.aborted) {
      this.finish();
      return;
    }
    this.applied = checkpoint;
    this.dispatched = checkpoint;
    this.batch = openBatch(checkpoint);
    this.waiters.advance(checkpoint);
    this.throughput = new ThroughputWindow(this.options.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS, this.clock());
    this.state = 'running';
    this.logger.info({ projector: this.name, from: checkpoint }, 'projector started');
    void this.run();
  }

  /**
   * Graceful shutdown: stops pulling events, commits what was received (with the checkpoint),
   * closes the subscription. Resolves when done, also after a fatal error (which {@link done}
   * reports). Pending {@link waitForPosition} calls not yet satisfied reject with UNAVAILABLE.
   */
  async stop(): Promise<void> {
    switch (this.state) {
      case 'new':
        this.stopRequest.abort();
        this.finish();
        return;
      case 'stopped':
      case 'failed':
        return;
      case 'starting':
      case 'running':
      case 'stopping':
        this.state = 'stopping';
        this.stopRequest.abort();
        // Per the port, closing ends a pending next() with done, which makes the loop commit and exit.
        await this.subscription?.close();
        await this.finished.catch(() => undefined);
        return;
    }
  }

  /** Resolves when the projector has stopped, rejects with the error if it failed. */
  done(): Promise<void> {
    return this.finished;
  }

  /**
   * Read-your-writes: resolves once every event up to `position` is in the read model (applied,
   * or passed by a stored subscription checkpoint). Rejects with UNAVAILABLE after `timeoutMs`,
   * or when the projector stops or fails first. `''` resolves at once.
   */
  waitForPosition(position: Position, timeoutMs: number): Promise<void> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  /** Counters and gauges; reads the event store's head to compute the lag. */
  async metrics(): Promise<ProjectorMetrics> {
    let head: Position | undefined;
    try {
      head = await this.eventStore.headPosition();
    } catch {
      head = undefined;
    }
    const applied = this.applied;
    return {
      state: this.state,
      eventsAppliedTotal: this.eventsApplied,
      eventsWithoutEffectTotal: this.eventsWithoutEffect,
      eventsRejectedTotal: this.eventsRejected,
      documentsChangedTotal: this.documentsChanged,
      writesSkippedTotal: this.writesSkipped,
      batchesTotal: this.batches,
      applyRetriesTotal: this.applyRetries,
      resubscriptionsTotal: this.resubscriptions,
      appliedPosition: applied,
      headPosition: head,
      lag: head === undefined ? undefined : positionDistance(applied, head),
      caughtUp: head !== undefined && comparePositions(applied, head) >= 0,
      lastEventAgeMs: this.lastEventAgeMs,
      lastBatchEvents: this.lastBatchEvents,
      lastBatchDurationMs: this.lastBatchDurationMs,
      throughputEventsPerSecond: this.throughput.rate(this.clock()),
      positionWaiters: this.waiters.size,
    };
  }

  /** A method, not a getter, so the compiler does not assume it unchanged across awaits. */
  private isStopping(): boolean {
    return this.stopRequest.signal.aborted;
  }

  /** Subscribes, consumes, and on a subscription failure resubscribes after the last commit. */
  private async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.isStopping()) {
        let failure: unknown;
        let subscription: AllSubscription | undefined;
        try {
          subscription = this.eventStore.subscribeToAll(this.applied, { checkpointInterval: this.checkpointInterval });
        } catch (error) {
          failure = error;
        }
        if (subscription !== undefined) {
          this.subscription = subscription;
          try {
            // Throws only when a commit fails for good; subscription failures come back as values.
            failure = await this.consume(subscription, () => {
              failures = 0;
            });
          } finally {
            this.subscription = undefined;
            await subscription.close();
          }
        }
        if (this.isStopping()) break;
        failures += 1;
        if (failure !== undefined && !isTransientError(failure)) throw asError(failure);
        if (failures >= this.retry.maxAttempts) {
          throw failure !== undefined ? asError(failure) : new KeystreamError('UNAVAILABLE', `the $all subscription ended on its own ${failures} times in a row`);
        }
        this.resubscriptions += 1;
        const delay = backoffDelay(this.retry, failures);
        this.logger.warn({ projector: this.name, err: failure, attempt: failures, delayMs: delay, from: this.applied }, 'subscription to $all lost; resubscribing');
        await sleep(delay, this.stopRequest.signal);
      }
      this.finish();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Pulls messages into batches until the subscription ends (returns undefined) or fails
   * (returns its error). Commits before returning. Throws only when a commit fails for good.
   */
  private async consume(subscription: AllSubscription, onProgress: () => void): Promise<unknown> {
    const iterator = subscription[Symbol.asyncIterator]();
    for (;;) {
      if (this.isStopping()) {
        await this.flushAndSettle();
        return undefined;
      }
      const received = this.receive(iterator);
      // With events waiting to be committed, commit as soon as the subscription has nothing
      // ready: while catching up the next message is ready within the same turn (and the batch
      // grows); once caught up it is not, and the batch goes out at once (read-your-writes latency).
      let result = this.hasOpenBatch() ? await Promise.race([received, this.nextIdleTick()]) : await received;
      if (result === IDLE) {
        await this.flush();
        result = await received;
      }
      switch (result.kind) {
        case 'message':
          onProgress();
          this.accept(result.message);
          if (this.batchIsDue()) await this.flush();
          break;
        case 'end':
          await this.flushAndSettle();
          return undefined;
        case 'error':
          await this.flushAndSettle();
          return result.error;
      }
    }
  }

  /** One pull, with failures turned into values so the promise can be raced and dropped safely. */
  private receive(iterator: AsyncIterator<SubscriptionMessage>): Promise<Received> {
    let next: Promise<IteratorResult<SubscriptionMessage>>;
    try {
      next = iterator.next();
    } catch (error) {
      return Promise.resolve({ kind: 'error', error });
    }
    return next.then(
      (result): Received => (result.done === true ? { kind: 'end' } : { kind: 'message', message: result.value }),
      (error: unknown): Received => ({ kind: 'error', error }),
    );
  }

  /** One promise per event-loop turn (setImmediate runs after pending I/O callbacks), shared by every race in that turn. */
  private nextIdleTick(): Promise<typeof IDLE> {
    this.idleTick ??= new Promise<typeof IDLE>((resolve) => {
      setImmediate(() => {
        this.idleTick = undefined;
        resolve(IDLE);
      });
    });
    return this.idleTick;
  }

  private hasOpenBatch(): boolean {
    return comparePositions(this.batch.upTo, this.dispatched) > 0;
  }

  private batchIsDue(): boolean {
    const { events, openedAt } = this.batch;
    return events >= this.maxBatchEvents || (openedAt !== undefined && this.clock() - openedAt >= this.maxBatchDelayMs);
  }

  private accept(message: SubscriptionMessage): void {
    const batch = this.batch;
    switch (message.kind) {
      case 'checkpoint':
        if (comparePositions(message.position, batch.upTo) > 0) batch.upTo = message.position;
        return;
      case 'event': {
        const { event } = message;
        batch.openedAt ??= this.clock();
        batch.events += 1;
        batch.upTo = event.position;
        batch.lastOccurredAt = event.metadata.occurredAt;
        const projection = writeForEvent(event);
        switch (projection.outcome) {
          case 'write':
            batch.writes.push(projection.write);
            return;
          case 'none':
            batch.withoutEffect += 1;
            return;
          case 'rejected': {
            batch.rejected += 1;
            // An unknown kind repeats for every event of it (a newer writer): say so once.
            const once = projection.reason === 'unknown_kind';
            if (once && this.warnedKinds.has(projection.kind)) return;
            if (once) this.warnedKinds.add(projection.kind);
            this.logger.warn(
              { projector: this.name, reason: projection.reason, kind: projection.kind, stream: event.stream, type: event.type, position: event.position },
              `event skipped: ${projection.detail}`,
            );
            return;
          }
        }
      }
    }
  }

  /**
   * Hands the open batch to {@link commit} once the previous commit has finished, without
   * waiting for this one: the next batch is read and prepared while this one is written. One
   * commit at a time keeps them in position order. Rethrows the error of a failed commit.
   */
  private async flush(): Promise<void> {
    if (!this.hasOpenBatch()) return;
    await this.inFlight;
    const batch = this.batch;
    this.batch = openBatch(batch.upTo);
    this.dispatched = batch.upTo;
    const commit = this.commit(batch);
    this.inFlight = commit;
    commit.catch(() => {
      // The loop may be waiting for events that never come: end the subscription so it looks
      // at the commit (flushAndSettle rethrows its error) instead of waiting.
      void this.subscription?.close();
    });
  }

  /** Commits what is open and waits until every commit is done. */
  private async flushAndSettle(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** Commits one batch (documents, change log, checkpoint) and wakes the waiters it satisfies. */
  private async commit(batch: OpenBatch): Promise<void> {
    const started = this.clock();
    const result = await this.applyWithRetry({ writes: batch.writes, checkpoint: { projector: this.name, position: batch.upTo } });
    const finished = this.clock();
    this.applied = batch.upTo;
    this.eventsApplied += batch.events;
    this.eventsWithoutEffect += batch.withoutEffect;
    this.eventsRejected += batch.rejected;
    this.documentsChanged += result.applied;
    this.writesSkipped += result.skipped;
    this.batches += 1;
    this.lastBatchEvents = batch.events;
    this.lastBatchDurationMs = finished - started;
    this.throughput.record(finished, batch.events);
    if (batch.lastOccurredAt !== undefined) {
      const occurredAt = Date.parse(batch.lastOccurredAt);
      this.lastEventAgeMs = Number.isFinite(occurredAt) ? Math.max(0, this.wallClock() - occurredAt) : undefined;
    }
    this.waiters.advance(batch.upTo);
    const summary: BatchSummary = {
      position: batch.upTo,
      events: batch.events,
      writes: batch.writes.length,
      documentsChanged: result.applied,
      writesSkipped: result.skipped,
      durationMs: this.lastBatchDurationMs,
    };
    try {
      this.options.onBatchApplied?.(summary);
    } catch (error) {
      this.logger.warn({ projector: this.name, err: error }, 'onBatchApplied threw; ignored');
    }
  }

  /**
   * `apply` with retries of transient failures. Once stop() is asked, one more attempt is made
   * without waiting, then the batch is given up: it is not lost, the next start re-reads it.
   */
  private async applyWithRetry(batch: ApplyBatch): Promise<ApplyResult> {
    let attemptsAfterStop = 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.readStore.apply(batch);
      } catch (error) {
        if (this.isStopping()) attemptsAfterStop += 1;
        // A full disk is the operator's to fix and costs nothing to wait for: retry it for as long
        // as it lasts (reads go on meanwhile), instead of failing the process after a few seconds.
        const outOfAttempts = attempt >= this.retry.maxAttempts && !isStorageExhausted(error);
        if (!isTransientError(error) || outOfAttempts || attemptsAfterStop > 1) throw error;
        this.applyRetries += 1;
        const delay = backoffDelay(this.retry, attempt);
        this.logger.warn({ projector: this.name, err: error, attempt, delayMs: delay, writes: batch.writes.length }, 'read-store apply failed; retrying');
        await sleep(delay, this.stopRequest.signal);
      }
    }
  }

  private finish(): void {
    this.state = 'stopped';
    this.waiters.close(new KeystreamError('UNAVAILABLE', `the projector ${this.name} is stopped at position ${JSON.stringify(this.applied)}`));
    this.logger.info({ projector: this.name, position: this.applied }, 'projector stopped');
    this.settle.resolve();
  }

  private fail(error: unknown): void {
    const cause = asError(error);
    this.state = 'failed';
    this.logger.error({ projector: this.name, err: cause, position: this.applied }, 'projector stopped on an error it cannot recover from');
    this.waiters.close(new KeystreamError('UNAVAILABLE', `the projector ${this.name} failed at position ${JSON.stringify(this.applied)}: ${cause.message}`, [], { cause }));
    this.settle.reject(cause);
    try {
      this.options.onError?.(cause);
    } catch (callbackError) {
      this.logger.error({ projector: this.name, err: callbackError }, 'onError threw');
    }
  }
}
