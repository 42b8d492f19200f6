/**
 * The event stream relay (ARCHITECTURE.md §1): a catch-up subscription on `$all` from its own
 * checkpoint in the read store, publishing every event to an {@link EventStream} in batches.
 *
 * At-least-once: the checkpoint of a batch is stored only after the stream acknowledged the whole
 * batch, so a crash at any instant republishes at most the batches after the stored checkpoint,
 * never skips one. Consumers deduplicate by event id. Per-resource order holds because events are
 * published in log order, one batch at a time, keyed by resource name.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { KeystreamError } from '@keystream/api';
import { START_POSITION, comparePositions, type AllSubscription, type EventStore, type Position, type RecordedEvent, type SubscriptionMessage } from '@keystream/eventstore';
import type { EventStream } from '@keystream/eventstream';
import type { ReadStore } from '@keystream/readstore';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import { envelopeOf } from './envelopeOf.js';
import { positionLag } from './positionLag.js';

/** The read-store checkpoint key used when none is given. */
export const DEFAULT_RELAY_NAME = 'kafka-relay';

/** Where the relay is in its lifecycle. */
export type RelayState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Where the relay reports progress and trouble (a pino logger fits). */
export interface RelayLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link EventStreamRelay}. */
export interface EventStreamRelayOptions {
  readonly eventStore: EventStore;
  /** Holds the relay's checkpoint (a checkpoint-only apply). */
  readonly readStore: ReadStore;
  readonly stream: EventStream;
  /** The checkpoint key (default {@link DEFAULT_RELAY_NAME}); one per destination. */
  readonly name?: string;
  /** Most events per publish (default 500). */
  readonly maxBatchEvents?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  readonly logger?: RelayLogger;
}

/** Counters and gauges of a relay. */
export interface RelayMetrics {
  readonly state: RelayState;
  readonly eventsPublishedTotal: number;
  readonly batchesTotal: number;
  readonly publishRetriesTotal: number;
  readonly checkpointRetriesTotal: number;
  readonly resubscriptionsTotal: number;
  /** Everything up to here was acknowledged by the stream. */
  readonly publishedPosition: Position;
  /** Everything up to here is acknowledged and its checkpoint stored. */
  readonly checkpointPosition: Position;
  readonly headPosition: Position | undefined;
  /** Events (embedded store) between the published position and the head; undefined if unknown. */
  readonly lag: number | undefined;
  readonly caughtUp: boolean;
  /** Age of the newest published event (from its `occurredAt`) when its batch was acknowledged. */
  readonly lastEventAgeMs: number | undefined;
  readonly lastBatchEvents: number;
  readonly lastPublishDurationMs: number;
}

const DEFAULT_MAX_BATCH_EVENTS = 500;
/** Subscription checkpoints let the relay advance past filtered stretches (EventStoreDB); rarely needed. */
const SUBSCRIPTION_CHECKPOINT_INTERVAL = 1_000;
const IDLE = Symbol('idle');

/** Resolves {@link IDLE} after one turn of the event loop: "nothing more was ready". */
function nextTurn(): Promise<typeof IDLE> {
  return new Promise((resolve) => {
    setImmediate(() => {
      resolve(IDLE);
    });
  });
}

const silentLogger: RelayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Thrown inside the loop when a stop interrupts a retry; never escapes {@link EventStreamRelay}. */
class Stopping extends Error {}

/**
 * Relays the event log to an event stream. Runs once: {@link start}, then {@link stop}; create a
 * new instance to resume. It owns neither the stores nor the stream and closes none of them.
 */
export class EventStreamRelay {
  /** The checkpoint key. */
  readonly name: string;
  private readonly options: EventStreamRelayOptions;
  private readonly maxBatchEvents: number;
  private readonly backoff: BackoffPolicy;
  private readonly logger: RelayLogger;
  private readonly stopRequest = new AbortController();
  private state: RelayState = 'new';
  private subscription: AllSubscription | undefined;
  private readonly finished: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };

  private published: Position = START_POSITION;
  private checkpointed: Position = START_POSITION;
  private eventsPublished = 0;
  private batches = 0;
  private publishRetries = 0;
  private checkpointRetries = 0;
  private resubscriptions = 0;
  private lastEventAgeMs: number | undefined;
  private lastBatchEvents = 0;
  private lastPublishDurationMs = 0;

  constructor(options: EventStreamRelayOptions) {
    this.options = options;
    this.name = options.name ?? DEFAULT_RELAY_NAME;
    this.maxBatchEvents = Math.max(1, options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.logger = options.logger ?? silentLogger;
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // done() still rejects for whoever asks; nobody asking must not be an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  /** Where the relay is in its lifecycle. */
  get status(): RelayState {
    return this.state;
  }

  /** Everything up to this position has been acknowledged by the stream. */
  get position(): Position {
    return this.published;
  }

  /** Reads the checkpoint and starts relaying in the background. Rejects if the checkpoint cannot be read. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new KeystreamError('FAILED_PRECONDITION', `relay ${this.name} is ${this.state}; a relay runs once, create a new one to start again`);
    this.state = 'starting';
    let checkpoint: Position;
    try {
      checkpoint = (await this.options.readStore.checkpoint(this.name)) ?? START_POSITION;
    } catch (error) {
      this.state = 'failed';
      this.settle.reject(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    this.published = checkpoint;
    this.checkpointed = checkpoint;
    if (this.isStopping()) {
      this.finish();
      return;
    }
    this.state = 'running';
    this.logger.info({ relay: this.name, from: checkpoint, to: this.options.stream.description }, 'event stream relay started');
    void this.run();
  }

  /**
   * Graceful stop: stops reading, publishes what was read (once; a failure leaves it to the next
   * start), stores the checkpoint, resolves when the loop has ended.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    const wasNew = this.state === 'new';
    this.stopRequest.abort();
    if (wasNew) {
      this.finish();
      return;
    }
    this.state = 'stopping';
    await this.subscription?.close();
    await this.finished.catch(() => undefined);
  }

  /** Resolves when the relay has stopped, rejects if it failed. */
  done(): Promise<void> {
    return this.finished;
  }

  /** Counters and gauges; reads the event store's head for the lag. */
  async metrics(): Promise<RelayMetrics> {
    const head = await this.options.eventStore.headPosition().catch(() => undefined);
    return {
      state: this.state,
      eventsPublishedTotal: this.eventsPublished,
      batchesTotal: this.batches,
      publishRetriesTotal: this.publishRetries,
      checkpointRetriesTotal: this.checkpointRetries,
      resubscriptionsTotal: this.resubscriptions,
      publishedPosition: this.published,
      checkpointPosition: this.checkpointed,
      headPosition: head,
      lag: head === undefined ? undefined : positionLag(this.published, head),
      caughtUp: head !== undefined && comparePositions(this.published, head) >= 0,
      lastEventAgeMs: this.lastEventAgeMs,
      lastBatchEvents: this.lastBatchEvents,
      lastPublishDurationMs: this.lastPublishDurationMs,
    };
  }

  /** A method, not a getter, so the compiler does not assume it unchanged across awaits. */
  private isStopping(): boolean {
    return this.stopRequest.signal.aborted;
  }

  /** Subscribes after the last acknowledged event; on a failure, backs off and subscribes again. */
  private async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.isStopping()) {
        const subscription = this.options.eventStore.subscribeToAll(this.published, { checkpointInterval: SUBSCRIPTION_CHECKPOINT_INTERVAL });
        this.subscription = subscription;
        try {
          await this.consume(subscription);
          failures = 0;
        } catch (error) {
          if (error instanceof Stopping || this.isStopping()) break;
          failures += 1;
          this.resubscriptions += 1;
          const wait = backoffDelay(this.backoff, failures);
          this.logger.warn({ relay: this.name, error, retryInMs: wait }, 'event stream relay subscription failed; resubscribing');
          await this.pause(wait).catch(() => undefined);
        } finally {
          await subscription.close().catch(() => undefined);
        }
      }
      this.finish();
    } catch (error) {
      // Only a bug gets here: every failure above is retried.
      this.state = 'failed';
      this.logger.error({ relay: this.name, error }, 'event stream relay failed');
      this.settle.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Reads the subscription into batches. A batch goes out when it is full, or as soon as the
   * subscription has nothing more ready (one event-loop turn), so catch-up sends big batches
   * and live events go out at once. Returns when the subscription ends (a stop closes it).
   */
  private async consume(subscription: AllSubscription): Promise<void> {
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;
    let batch: RecordedEvent[] = [];
    let upTo = this.published;
    for (;;) {
      pending ??= iterator.next();
      let received: IteratorResult<SubscriptionMessage> | typeof IDLE;
      if (batch.length === 0) received = await pending;
      else received = await Promise.race([pending, nextTurn()]);
      if (received === IDLE) {
        await this.flush(batch, upTo);
        batch = [];
        continue;
      }
      pending = undefined;
      if (received.done === true) {
        if (batch.length > 0) await this.flush(batch, upTo);
        return;
      }
      const message = received.value;
      if (message.kind === 'event') {
        // A resubscription may repeat the last event on some adapters; never publish backwards.
        if (comparePositions(message.event.position, upTo) <= 0) continue;
        batch.push(message.event);
        upTo = message.event.position;
        if (batch.length >= this.maxBatchEvents) {
          await this.flush(batch, upTo);
          batch = [];
        }
      } else if (comparePositions(message.position, upTo) > 0) {
        upTo = message.position;
        if (batch.length === 0) {
          this.published = upTo;
          await this.storeCheckpoint(upTo);
        }
      }
    }
  }

  /** Publishes a batch (retrying until acknowledged or stopped), then stores its checkpoint. */
  private async flush(batch: readonly RecordedEvent[], upTo: Position): Promise<void> {
    const envelopes = batch.map(envelopeOf);
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.stream.publish(envelopes);
        break;
      } catch (error) {
        // A stop gives up here: the checkpoint stays before this batch, so the next start republishes it.
        if (this.isStopping()) throw new Stopping();
        this.publishRetries += 1;
        const wait = backoffDelay(this.backoff, attempt);
        this.logger.warn({ relay: this.name, error, events: envelopes.length, attempt, retryInMs: wait }, 'publishing to the event stream failed; retrying');
        await this.pause(wait);
      }
    }
    this.lastPublishDurationMs = performance.now() - started;
    this.published = upTo;
    this.eventsPublished += batch.length;
    this.batches += 1;
    this.lastBatchEvents = batch.length;
    const occurredAt = Date.parse(batch.at(-1)?.metadata.occurredAt ?? '');
    this.lastEventAgeMs = Number.isNaN(occurredAt) ? undefined : Math.max(0, Date.now() - occurredAt);
    await this.storeCheckpoint(upTo);
  }

  /** Stores the checkpoint, retrying; a stop may abandon it (the next start then republishes, which is allowed). */
  private async storeCheckpoint(position: Position): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.readStore.apply({ writes: [], checkpoint: { projector: this.name, position } });
        this.checkpointed = position;
        return;
      } catch (error) {
        if (this.isStopping()) throw new Stopping();
        this.checkpointRetries += 1;
        const wait = backoffDelay(this.backoff, attempt);
        this.logger.warn({ relay: this.name, error, attempt, retryInMs: wait }, 'storing the relay checkpoint failed; retrying');
        await this.pause(wait);
      }
    }
  }

  /** Waits `ms`, or less if a stop comes first (then throws {@link Stopping}). */
  private async pause(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.stopRequest.signal });
    } catch {
      throw new Stopping();
    }
  }

  private finish(): void {
    this.state = 'stopped';
    this.subscription = undefined;
    this.logger.info({ relay: this.name, position: this.published }, 'event stream relay stopped');
    this.settle.resolve();
  }
}
