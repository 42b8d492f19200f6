/**
 * The one runtime of every `$all` consumer (ARCHITECTURE.md §1): subscribe after the consumer's own
 * checkpoint, gather events into batches, hand each batch to the handler, store the checkpoint,
 * retry what fails transiently with the kernel's backoff, report lag and throughput, stop
 * gracefully. The projector, the event stream relay, the authorization feed and the process
 * managers are handlers on it.
 *
 * At-least-once: a checkpoint is stored only after its batch was handled, so a crash at any
 * instant hands again at most the batches after the stored checkpoint, never skips one.
 */
import { isStorageExhausted, KeystreamError } from '@keystream/api';
import type { AllSubscription, EventStore, RecordedEvent, SubscriptionMessage } from '@keystream/eventstore';
import {
  DEFAULT_RETRY_POLICY,
  SILENT_LOGGER,
  START_POSITION,
  backoffDelay,
  comparePositions,
  positionDistance,
  sleep,
  type Logger,
  type Position,
  type RetryPolicy,
} from '@keystream/kernel';
import type { CheckpointStore } from './checkpointStore.js';
import type { ConsumerHandler } from './consumerHandler.js';
import type { BatchReport, ConsumerMetrics, ConsumerState } from './consumerMetrics.js';
import { isTransientError } from './isTransientError.js';
import { PositionWaiters } from './positionWaiters.js';
import { ThroughputWindow } from './throughputWindow.js';

/** Options of {@link CheckpointedConsumer}. */
export interface CheckpointedConsumerOptions {
  /** Names the consumer in logs and errors (and usually its checkpoint key). */
  readonly name: string;
  /** The log it reads; only the subscription and the head are used. */
  readonly eventStore: Pick<EventStore, 'subscribeToAll' | 'headPosition'>;
  readonly handler: ConsumerHandler;
  /** Where its checkpoint lives; read at start, written after each batch unless the handler stores it. */
  readonly checkpoints: CheckpointStore;
  /** Most events in one batch. Default 512. */
  readonly maxBatchEvents?: number;
  /**
   * Most events in one batch while catching up with the log as it stood at start (a rebuild, a
   * restart after downtime): larger batches cost less per event (an LMDB transaction's pages and
   * commit are shared by more). At start-up the server reports itself not ready until the read
   * model has caught up, so those longer batches delay no routed traffic; a consumer restarted in
   * a serving process catches up the same way, over the backlog of its downtime. Once caught up,
   * {@link maxBatchEvents} applies.
   * Default 4 × maxBatchEvents; never below it.
   */
  readonly catchUpBatchEvents?: number;
  /**
   * Longest time a batch stays open while events keep arriving without a pause. A batch goes out
   * at once whenever the subscription has nothing more ready (caught up), so this bounds latency
   * under sustained load only; while the previous batch is still being handled the open one keeps
   * filling (up to {@link maxBatchEvents}) and goes out when that one is done. Default 50 ms.
   */
  readonly maxBatchDelayMs?: number;
  /** Passed to `subscribeToAll`: how often a checkpoint comes through filtered stretches. Default 256. */
  readonly checkpointInterval?: number;
  /** Retries of failed batches, checkpoint writes and dropped subscriptions. Default the kernel's {@link DEFAULT_RETRY_POLICY}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Window of the throughput gauge. Default 10 s. */
  readonly throughputWindowMs?: number;
  /** Names what {@link CheckpointedConsumer.waitForPosition} waits for in its timeout message. */
  readonly waitsFor?: string;
  readonly logger?: Logger;
  /** Told after each checkpointed batch. Must not throw (a throw is logged and ignored). */
  readonly onBatch?: (report: BatchReport) => void;
  /** Told once when the consumer ends: with the error it failed with, or undefined after a stop. */
  readonly onStopped?: (error: Error | undefined) => void;
  /** Monotonic milliseconds, for durations and throughput. Default `performance.now`. */
  readonly clock?: () => number;
  /** Wall-clock milliseconds, for the age of events. Default `Date.now`. */
  readonly wallClock?: () => number;
}

const DEFAULT_MAX_BATCH_EVENTS = 512;
/** The default of {@link CheckpointedConsumerOptions.catchUpBatchEvents}, as a multiple of maxBatchEvents. */
const CATCH_UP_BATCH_FACTOR = 4;
const DEFAULT_MAX_BATCH_DELAY_MS = 50;
const DEFAULT_CHECKPOINT_INTERVAL = 256;
const DEFAULT_THROUGHPUT_WINDOW_MS = 10_000;

/** Marks "the subscription had nothing ready within one turn of the event loop". */
const IDLE = Symbol('idle');

/** What one pull on the subscription produced; never a rejection, so it can be raced safely. */
type Received = { readonly kind: 'message'; readonly message: SubscriptionMessage } | { readonly kind: 'end' } | { readonly kind: 'error'; readonly error: unknown };

/** Events received and not yet handed to the handler. */
interface OpenBatch {
  readonly events: RecordedEvent[];
  readonly from: Position;
  /** Last event or subscription checkpoint received. */
  upTo: Position;
  /** Clock time the first event entered, for {@link CheckpointedConsumerOptions.maxBatchDelayMs}. */
  openedAt: number | undefined;
}

function openBatch(from: Position): OpenBatch {
  return { events: [], from, upTo: from, openedAt: undefined };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Thrown inside the loop when a stop makes a retry give up; ends the consumer as stopped, not failed. */
class Abandoned extends Error {
  constructor(readonly reason: unknown) {
    super('abandoned on stop');
  }
}

/**
 * Runs one consumer. An instance runs once: {@link start}, then {@link stop} (or a fatal error);
 * create a new instance to resume. It owns neither the event store nor the checkpoint store.
 */
export class CheckpointedConsumer {
  readonly name: string;
  private readonly options: CheckpointedConsumerOptions;
  private readonly maxBatchEvents: number;
  private readonly catchUpBatchEvents: number;
  /** The head of the log when the consumer started; batches may be larger until it is dispatched. */
  private catchingUpTo: Position = START_POSITION;
  private readonly maxBatchDelayMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly wallClock: () => number;

  private state: ConsumerState = 'new';
  private handled: Position = START_POSITION;
  private checkpointed: Position = START_POSITION;
  /** Position of the last batch handed over (handled or in flight). */
  private dispatched: Position = START_POSITION;
  /** The batch in flight, if any; the next starts only after it, so batches stay in log order. */
  private inFlight: Promise<void> | undefined;
  /** Whether {@link inFlight} is still being handled. */
  private busy = false;
  private batch: OpenBatch = openBatch(START_POSITION);
  private subscription: AllSubscription | undefined;
  private readonly stopRequest = new AbortController();
  private readonly waiters: PositionWaiters;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  private idleTick: Promise<typeof IDLE> | undefined;
  private throughput: ThroughputWindow;

  private eventsHandled = 0;
  private batches = 0;
  private handleRetries = 0;
  private checkpointRetries = 0;
  private resubscriptions = 0;
  private lastBatchEvents = 0;
  private lastBatchDurationMs = 0;
  private lastEventAgeMs: number | undefined;

  constructor(options: CheckpointedConsumerOptions) {
    this.options = options;
    this.name = options.name;
    this.maxBatchEvents = Math.max(1, options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS);
    this.catchUpBatchEvents = Math.max(this.maxBatchEvents, options.catchUpBatchEvents ?? CATCH_UP_BATCH_FACTOR * this.maxBatchEvents);
    this.maxBatchDelayMs = Math.max(0, options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS);
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.logger = options.logger ?? SILENT_LOGGER;
    this.clock = options.clock ?? ((): number => performance.now());
    this.wallClock = options.wallClock ?? Date.now;
    this.waiters = new PositionWaiters(options.waitsFor ?? options.name);
    this.throughput = new ThroughputWindow(options.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS, this.clock());
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Whoever does not call done() must not see an unhandled rejection; done() still rejects.
    this.finished.catch(() => undefined);
  }

  /** Where the consumer is in its lifecycle. */
  get status(): ConsumerState {
    return this.state;
  }

  /** The stored checkpoint: every event up to it is handled. */
  get position(): Position {
    return this.checkpointed;
  }

  /**
   * Reads the checkpoint and opens the subscription after it; resolves once running (consuming
   * goes on in the background). Rejects, and fails the consumer, if the checkpoint cannot be read.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') {
      throw new KeystreamError('FAILED_PRECONDITION', `consumer ${this.name} is ${this.state}; a consumer runs once, create a new one to start again`);
    }
    this.state = 'starting';
    let checkpoint: Position;
    try {
      checkpoint = (await this.options.checkpoints.load()) ?? START_POSITION;
    } catch (error) {
      this.fail(error);
      throw error;
    }
    // Without a head (the store cannot say yet), batches keep their ordinary size.
    this.catchingUpTo = (await this.options.eventStore.headPosition().catch(() => undefined)) ?? START_POSITION;
    if (this.isStopping()) {
      this.finish();
      return;
    }
    this.handled = checkpoint;
    this.checkpointed = checkpoint;
    this.dispatched = checkpoint;
    this.batch = openBatch(checkpoint);
    this.waiters.advance(checkpoint);
    this.throughput = new ThroughputWindow(this.options.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS, this.clock());
    this.state = 'running';
    this.logger.info({ consumer: this.name, from: checkpoint }, 'consumer started');
    void this.run();
  }

  /**
   * Graceful stop: stops pulling events, hands over what was received and stores its checkpoint
   * (a batch whose handling still fails is given up: the next start hands it again), closes the
   * subscription. Resolves when done, also after a fatal error (which {@link done} reports).
   * Pending {@link waitForPosition} calls not yet satisfied reject with UNAVAILABLE.
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
        // Per the port, closing ends a pending next() with done, which makes the loop hand over and exit.
        await this.subscription?.close();
        await this.finished.catch(() => undefined);
        return;
    }
  }

  /** Resolves when the consumer has stopped, rejects with the error if it failed. */
  done(): Promise<void> {
    return this.finished;
  }

  /**
   * Resolves once every event up to `position` is handled and checkpointed (or passed by a stored
   * subscription checkpoint). Rejects with UNAVAILABLE after `timeoutMs`, or when the consumer
   * stops or fails first. `''` resolves at once.
   */
  waitForPosition(position: Position, timeoutMs: number): Promise<void> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  /** Counters and gauges; reads the event store's head to compute the lag. */
  async metrics(): Promise<ConsumerMetrics> {
    const head = await this.options.eventStore.headPosition().catch(() => undefined);
    const checkpointed = this.checkpointed;
    return {
      state: this.state,
      eventsHandledTotal: this.eventsHandled,
      batchesTotal: this.batches,
      handleRetriesTotal: this.handleRetries,
      checkpointRetriesTotal: this.checkpointRetries,
      resubscriptionsTotal: this.resubscriptions,
      handledPosition: this.handled,
      checkpointPosition: checkpointed,
      headPosition: head,
      lag: head === undefined ? undefined : positionDistance(checkpointed, head),
      caughtUp: head !== undefined && comparePositions(checkpointed, head) >= 0,
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

  /** Subscribes, consumes, and on a subscription failure resubscribes after the last batch handed over. */
  private async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.isStopping()) {
        let failure: unknown;
        let subscription: AllSubscription | undefined;
        try {
          subscription = this.options.eventStore.subscribeToAll(this.dispatched, { checkpointInterval: this.options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL });
        } catch (error) {
          failure = error;
        }
        if (subscription !== undefined) {
          this.subscription = subscription;
          try {
            // Throws only when a batch fails for good; subscription failures come back as values.
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
        this.logger.warn({ consumer: this.name, err: failure, attempt: failures, delayMs: delay, from: this.dispatched }, 'subscription to $all lost; resubscribing');
        await sleep(delay, this.stopRequest.signal);
      }
      this.finish();
    } catch (error) {
      if (error instanceof Abandoned) this.finish(error.reason);
      else this.fail(error);
    }
  }

  /**
   * Pulls messages into batches until the subscription ends (returns undefined) or fails
   * (returns its error). Hands over what is open before returning. Throws only when a batch fails for good.
   */
  private async consume(subscription: AllSubscription, onProgress: () => void): Promise<unknown> {
    const iterator = subscription[Symbol.asyncIterator]();
    for (;;) {
      if (this.isStopping()) {
        await this.flushAndSettle();
        return undefined;
      }
      const received = this.receive(iterator);
      // With events waiting, hand them over as soon as the subscription has nothing ready: while
      // catching up the next message is ready within the same turn (and the batch grows); once
      // caught up it is not, and the batch goes out at once (low latency).
      let result = this.hasOpenBatch() ? await Promise.race([received, this.nextIdleTick()]) : await received;
      if (result === IDLE) {
        await this.flush();
        result = await received;
      }
      switch (result.kind) {
        case 'message':
          onProgress();
          this.accept(result.message);
          // A batch past its delay waits for the one in flight by reading on (up to the size
          // limit) rather than by blocking: the next batch is then as big as the handler's pace
          // allows, which is what makes catch-up fast when each batch costs a round trip.
          if (this.batchIsFull() || (this.batchIsDue() && !this.busy)) await this.flush();
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

  private batchIsFull(): boolean {
    const catchingUp = comparePositions(this.dispatched, this.catchingUpTo) < 0;
    return this.batch.events.length >= (catchingUp ? this.catchUpBatchEvents : this.maxBatchEvents);
  }

  private batchIsDue(): boolean {
    const { openedAt } = this.batch;
    return this.batchIsFull() || (openedAt !== undefined && this.clock() - openedAt >= this.maxBatchDelayMs);
  }

  private accept(message: SubscriptionMessage): void {
    const batch = this.batch;
    switch (message.kind) {
      case 'checkpoint':
        if (comparePositions(message.position, batch.upTo) > 0) batch.upTo = message.position;
        return;
      case 'event':
        // A resubscription may repeat the last event on some adapters; never hand an event over twice.
        if (comparePositions(message.event.position, batch.upTo) <= 0) return;
        batch.openedAt ??= this.clock();
        batch.events.push(message.event);
        batch.upTo = message.event.position;
        return;
    }
  }

  /**
   * Hands the open batch over once the previous one is done, without waiting for this one: the
   * next batch is read while this one is handled. One at a time keeps them in log order.
   */
  private async flush(): Promise<void> {
    if (!this.hasOpenBatch()) return;
    await this.inFlight;
    const batch = this.batch;
    this.batch = openBatch(batch.upTo);
    this.dispatched = batch.upTo;
    const commit = this.commit(batch);
    this.inFlight = commit;
    this.busy = true;
    const idle = (): void => {
      if (this.inFlight === commit) this.busy = false;
    };
    commit.then(idle, idle);
    commit.catch(() => {
      // The loop may be waiting for events that never come: end the subscription so it looks
      // at the failed batch (flushAndSettle rethrows its error) instead of waiting.
      void this.subscription?.close();
    });
  }

  /** Hands over what is open and waits until every batch is done. */
  private async flushAndSettle(): Promise<void> {
    await this.flush();
    await this.inFlight;
  }

  /** Handles one batch, stores its checkpoint, wakes the waiters it satisfies. */
  private async commit(batch: OpenBatch): Promise<void> {
    const started = this.clock();
    const { handler, checkpoints } = this.options;
    const handed = { events: batch.events, from: batch.from, upTo: batch.upTo };
    await this.withRetry('handle', () => handler.handle(handed), () => (this.handleRetries += 1), { events: batch.events.length });
    this.handled = batch.upTo;
    if (handler.storesCheckpoint !== true) {
      await this.withRetry('checkpoint', () => checkpoints.save(batch.upTo), () => (this.checkpointRetries += 1), { position: batch.upTo });
    }
    this.checkpointed = batch.upTo;
    const finished = this.clock();
    this.eventsHandled += batch.events.length;
    this.batches += 1;
    this.lastBatchEvents = batch.events.length;
    this.lastBatchDurationMs = finished - started;
    this.throughput.record(finished, batch.events.length);
    const newest = batch.events.at(-1);
    if (newest !== undefined) {
      const occurredAt = Date.parse(newest.metadata.occurredAt);
      this.lastEventAgeMs = Number.isFinite(occurredAt) ? Math.max(0, this.wallClock() - occurredAt) : undefined;
    }
    this.waiters.advance(batch.upTo);
    try {
      this.options.onBatch?.({ position: batch.upTo, events: batch.events.length, durationMs: this.lastBatchDurationMs });
    } catch (error) {
      this.logger.warn({ consumer: this.name, err: error }, 'onBatch threw; ignored');
    }
  }

  /**
   * Runs `attempt` until it succeeds, retrying transient failures with backoff. Once stop() is
   * asked, one more attempt is made without waiting; if that fails too the batch is given up
   * ({@link Abandoned}): it is not lost, the next start hands it over again.
   */
  private async withRetry(what: 'handle' | 'checkpoint', attempt: () => Promise<void>, onRetry: () => void, fields: Record<string, unknown>): Promise<void> {
    let attemptsAfterStop = 0;
    for (let tries = 1; ; tries += 1) {
      try {
        await attempt();
        return;
      } catch (error) {
        // A full disk is the operator's to fix and costs nothing to wait for: retry it for as long
        // as it lasts (reads go on meanwhile), instead of failing the process after a few seconds.
        const outOfAttempts = tries >= this.retry.maxAttempts && !isStorageExhausted(error);
        if (!isTransientError(error) || outOfAttempts) throw error;
        if (this.isStopping()) attemptsAfterStop += 1;
        if (attemptsAfterStop > 1) throw new Abandoned(error);
        onRetry();
        const delay = backoffDelay(this.retry, tries);
        this.logger.warn({ consumer: this.name, err: error, attempt: tries, delayMs: delay, ...fields }, `${what} failed; retrying`);
        await sleep(delay, this.stopRequest.signal);
      }
    }
  }

  private finish(abandoned?: unknown): void {
    this.state = 'stopped';
    this.waiters.close(new KeystreamError('UNAVAILABLE', `${this.name} is stopped at position ${JSON.stringify(this.checkpointed)}`));
    if (abandoned === undefined) this.logger.info({ consumer: this.name, position: this.checkpointed }, 'consumer stopped');
    else this.logger.warn({ consumer: this.name, position: this.checkpointed, err: abandoned }, 'consumer stopped; the batch after its checkpoint failed and is handed over again at the next start');
    this.tell(undefined);
    this.settle.resolve();
  }

  private fail(error: unknown): void {
    const cause = asError(error);
    this.state = 'failed';
    this.logger.error({ consumer: this.name, err: cause, position: this.checkpointed }, 'consumer stopped on an error it cannot recover from');
    this.waiters.close(new KeystreamError('UNAVAILABLE', `${this.name} failed at position ${JSON.stringify(this.checkpointed)}: ${cause.message}`, [], { cause }));
    this.tell(cause);
    this.settle.reject(cause);
  }

  private tell(error: Error | undefined): void {
    try {
      this.options.onStopped?.(error);
    } catch (callbackError) {
      this.logger.error({ consumer: this.name, err: callbackError }, 'onStopped threw');
    }
  }
}
