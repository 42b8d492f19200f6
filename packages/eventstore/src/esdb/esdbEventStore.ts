import type { AllStreamResolvedEvent, AppendExpectedRevision, EventStoreDBClient as EsdbClient, Filter, Position as EsdbPosition, RecordedEvent as EsdbRecordedEvent, ReadPosition } from '@eventstore/db-client';
import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import { KeystreamError } from '@keystream/api';
import { backoffDelay, sleep } from '@keystream/kernel';
import { AsyncQueue } from '../asyncQueue.js';
import { DuplicateEventIdError } from '../errors/duplicateEventIdError.js';
import { WrongExpectedVersionError } from '../errors/wrongExpectedVersionError.js';
import type {
  AllSubscription,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  JsonObject,
  NewEvent,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from '../eventStore.js';
import { eventTypeMatcher } from '../eventTypeMatcher.js';
import type { Position } from '../position.js';
import { START_POSITION, comparePositions } from '../position.js';
import { validateAppend, validateAppends } from '../validateAppend.js';
import { decodeEsdbPosition, encodeEsdbPosition } from './esdbPosition.js';

/** Options of {@link EsdbEventStore.connect}. */
export interface EsdbEventStoreOptions {
  /** An EventStoreDB connection string, e.g. `esdb://localhost:2113?tls=false`. */
  readonly connectionString: string;
  /** Attempts for an append that fails with a transient error (same event ids each time). Default 5. */
  readonly appendAttempts?: number;
  /** How far back an idempotency check looks for the ids of a conflicting append. Default 1000 events. */
  readonly idempotencyWindow?: number;
}

/** Subscription messages buffered before the server stream is paused. */
const SUBSCRIPTION_HIGH_WATER_MARK = 512;
/** EventStoreDB counts checkpoint intervals in search windows of this many events. */
const SEARCH_WINDOW = 32;

/**
 * The EventStore port on EventStoreDB (`@eventstore/db-client`).
 *
 * Positions are `$all` commit/prepare pairs encoded by {@link encodeEsdbPosition}. Appends are
 * retried on transient failures with the same event ids, which EventStoreDB deduplicates, and a
 * conflict is checked against the stream's recent ids so a retry of an append that did land
 * returns its original result instead of failing.
 */
export class EsdbEventStore implements EventStore {
  /**
   * EventStoreDB has no transaction across streams: {@link appendToStreams} appends one stream
   * after the other. A caller that retries the same appends with the same event ids completes them
   * (each append is idempotent by its ids), which is how the command core uses it.
   */
  readonly atomicMultiStream = false;
  private readonly subscriptions = new Set<AllSubscription>();
  private readonly appendAttempts: number;
  private readonly idempotencyWindow: number;

  private constructor(
    private readonly client: EsdbClient,
    options: EsdbEventStoreOptions,
  ) {
    this.appendAttempts = options.appendAttempts ?? 5;
    this.idempotencyWindow = options.idempotencyWindow ?? 1000;
  }

  /** Creates a client for the connection string (connects lazily on first call). */
  static connect(options: EsdbEventStoreOptions): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(options.connectionString), options);
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    validateAppends(appends);
    const results: AppendResult[] = [];
    for (const { stream, events, expectedRevision } of appends) results.push(await this.append(stream, events, expectedRevision));
    return results;
  }

  async append(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    validateAppend(stream, events, expectedRevision);
    const payload = events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.client.appendToStream(stream, payload, { expectedRevision: toEsdbExpected(expectedRevision) });
        const revision = Number(result.nextExpectedRevision);
        if (result.position !== undefined) return { revision, position: encodeEsdbPosition(result.position) };
        // An idempotent success can come back without a position: read where the batch landed.
        const original = await this.findAppended(stream, events);
        if (original !== undefined) return original;
        throw new KeystreamError('INTERNAL', `EventStoreDB acknowledged an append to "${stream}" without a position and its events cannot be found`);
      } catch (error) {
        if (error instanceof EsdbWrongExpectedVersionError) {
          const original = await this.findAppended(stream, events);
          if (original !== undefined) return original;
          throw new WrongExpectedVersionError(stream, expectedRevision, fromEsdbCurrent(error.actualVersion), { cause: error });
        }
        if (isTransient(error) && attempt < this.appendAttempts) {
          await sleep(backoffDelay(APPEND_BACKOFF, attempt));
          continue;
        }
        throw asKeystreamError(error, `append to "${stream}"`);
      }
    }
  }

  /**
   * Looks for the batch's ids among the stream's most recent events: all there → the original
   * result; some there → the batch is not a retry; none → undefined.
   */
  private async findAppended(stream: string, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
    const wanted = new Set(events.map((event) => event.id));
    const found = new Map<string, RecordedEvent>();
    for (const recorded of await this.readStream(stream, { direction: 'backwards', limit: this.idempotencyWindow })) {
      if (wanted.has(recorded.id)) found.set(recorded.id, recorded);
    }
    if (found.size === 0) return undefined;
    if (found.size < wanted.size) throw new DuplicateEventIdError(stream, [...found.keys()]);
    const lastId = events[events.length - 1]?.id;
    const last = lastId === undefined ? undefined : found.get(lastId);
    return last === undefined ? undefined : { revision: last.revision, position: last.position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const fromRevision = options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision);
    const result: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.limit === undefined ? {} : { maxCount: options.limit }),
      });
      for await (const resolved of read) {
        if (resolved.event !== undefined) result.push(toRecorded(resolved.event, resolved.event.position));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw asKeystreamError(error, `read of stream "${stream}"`);
    }
    return result;
  }

  async readAll(fromPosition: Position, limit: number): Promise<RecordedEvent[]> {
    const result: RecordedEvent[] = [];
    if (limit <= 0) return result;
    try {
      // `$all` reads are inclusive of their start and include system events, so both are skipped here.
      const read = this.client.readAll({ fromPosition: toReadPosition(fromPosition), direction: FORWARDS });
      for await (const resolved of read) {
        const recorded = fromAllEvent(resolved);
        if (recorded === undefined || comparePositions(recorded.position, fromPosition) <= 0) continue;
        result.push(recorded);
        if (result.length >= limit) break;
      }
    } catch (error) {
      throw asKeystreamError(error, 'read of $all');
    }
    return result;
  }

  async headPosition(): Promise<Position> {
    try {
      for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
        if (resolved.event !== undefined) return encodeEsdbPosition(resolved.event.position);
      }
    } catch (error) {
      throw asKeystreamError(error, 'read of the $all head');
    }
    return START_POSITION;
  }

  subscribeToAll(fromPosition: Position, options: SubscribeToAllOptions = {}): AllSubscription {
    const matches = eventTypeMatcher(options.eventTypePrefix);
    const interval = Math.max(1, Math.round((options.checkpointInterval ?? SEARCH_WINDOW) / SEARCH_WINDOW));
    // The checkpoint callback is part of the filter, which must exist before the queue's pause target does.
    const queueRef: { current?: AsyncQueue<SubscriptionMessage> } = {};
    const checkpointReached = (_subscription: unknown, position: EsdbPosition): void => {
      queueRef.current?.push({ kind: 'checkpoint', position: encodeEsdbPosition(position) });
    };
    const prefix = options.eventTypePrefix;
    const filter: Filter =
      prefix === undefined
        ? excludeSystemEvents({ checkpointInterval: interval, maxSearchWindow: SEARCH_WINDOW, checkpointReached })
        : eventTypeFilter({ prefixes: typeof prefix === 'string' ? [prefix] : [...prefix], checkpointInterval: interval, maxSearchWindow: SEARCH_WINDOW, checkpointReached });
    const server = this.client.subscribeToAll({ fromPosition: toReadPosition(fromPosition), filter });
    const activeQueue = new AsyncQueue<SubscriptionMessage>(
      SUBSCRIPTION_HIGH_WATER_MARK,
      () => {
        server.pause();
      },
      () => {
        server.resume();
      },
    );
    queueRef.current = activeQueue;
    server.on('data', (resolved: AllStreamResolvedEvent) => {
      const recorded = fromAllEvent(resolved);
      // Start is exclusive and the filter is re-checked client side in case the server's differs.
      if (recorded === undefined || comparePositions(recorded.position, fromPosition) <= 0 || !matches(recorded.type)) return;
      activeQueue.push({ kind: 'event', event: recorded });
    });
    server.on('error', (error: Error) => { activeQueue.fail(asKeystreamError(error, 'subscription to $all')); });
    server.on('end', () => { activeQueue.end(); });
    const subscriptions = this.subscriptions;
    const subscription: AllSubscription = {
      [Symbol.asyncIterator]: () => activeQueue[Symbol.asyncIterator](),
      async close(): Promise<void> {
        subscriptions.delete(subscription);
        activeQueue.end();
        await server.unsubscribe();
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'any') return ANY;
  return BigInt(expected);
}

function fromEsdbCurrent(current: unknown): number | 'no_stream' {
  return typeof current === 'bigint' ? Number(current) : 'no_stream';
}

function toReadPosition(position: Position): ReadPosition {
  const decoded = decodeEsdbPosition(position);
  return decoded === 'start' ? START : decoded;
}

function fromAllEvent(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (event === undefined || event.type.startsWith('$') || event.streamId.startsWith('$')) return undefined;
  return toRecorded(event, event.position);
}

function toRecorded(event: EsdbRecordedEvent, position: EsdbPosition | undefined): RecordedEvent {
  if (position === undefined) throw new KeystreamError('FAILED_PRECONDITION', `EventStoreDB returned event ${event.id} without a position; keystream needs server 22.6 or later`);
  if (!event.isJson || typeof event.data !== 'object' || Array.isArray(event.data) || event.data instanceof Uint8Array) {
    throw new KeystreamError('DATA_LOSS', `event ${event.id} in "${event.streamId}" is not a JSON object; keystream only writes JSON events`);
  }
  return {
    id: event.id,
    type: event.type,
    // The client types JSON data as Record<string | number, unknown>; keystream wrote it from a JsonObject.
    data: event.data as JsonObject,
    // Written by this adapter from an EventMetadata; the client cannot know its shape.
    metadata: event.metadata as unknown as EventMetadata,
    stream: event.streamId,
    revision: Number(event.revision),
    position: encodeEsdbPosition(position),
  };
}

function isTransient(error: unknown): boolean {
  return error instanceof UnavailableError || error instanceof DeadlineExceededError || error instanceof TimeoutError || error instanceof NotLeaderError;
}

function asKeystreamError(error: unknown, what: string): KeystreamError {
  if (error instanceof KeystreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = isTransient(error) ? 'UNAVAILABLE' : 'INTERNAL';
  return new KeystreamError(code, `EventStoreDB ${what} failed: ${message}`, [], { cause: error });
}

/** Delays between append attempts: short, since the caller's request waits on them. */
const APPEND_BACKOFF = { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 50, maxDelayMs: 2_000 };

/** Connects to EventStoreDB with a connection string. */
export function connectEsdbEventStore(options: EsdbEventStoreOptions): EsdbEventStore {
  return EsdbEventStore.connect(options);
}
