/**
 * The EventStore port: append-only streams with optimistic concurrency and one global, ordered
 * log (`$all`). Adapters: {@link LmdbEventStore} (embedded default) and {@link EsdbEventStore}.
 */
import type { JsonObject } from '@keystream/kernel';
import type { Position } from './position.js';

export type { JsonObject } from '@keystream/kernel';

/** Who and what caused an event; stored with it unchanged. */
export interface EventMetadata {
  /** The principal that issued the command (`user:…`, `serviceAccount:…`, `system`). */
  readonly actor: string;
  readonly requestId: string;
  readonly correlationId: string;
  /** The id of the event or request that caused this one. */
  readonly causationId: string;
  /** RFC 3339 time the decider produced the event. */
  readonly occurredAt: string;
  /** Version of the event's data schema, so upcasters know what they read. */
  readonly schema: number;
  /**
   * Digest of the command (and its actor) that appended this event under a caller's request id:
   * a retry with the same id must carry the same request to be answered with this one's result.
   */
  readonly requestFingerprint?: string;
}

/** An event to append. `id` is a UUID chosen by the caller: re-appending it is a no-op. */
export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

/** An event as stored: the envelope plus where it sits. */
export interface RecordedEvent extends NewEvent {
  readonly stream: string;
  /** 0-based index of the event in its stream. */
  readonly revision: number;
  readonly position: Position;
}

/**
 * What the stream must look like for an append to proceed: its last revision, `no_stream` (it
 * must not exist), or `any` (no check).
 */
export type ExpectedRevision = number | 'no_stream' | 'any';

/** Result of an append: the stream revision and global position of the last event written. */
export interface AppendResult {
  readonly revision: number;
  readonly position: Position;
}

/** One stream's part of {@link EventStore.appendToStreams}. */
export interface StreamAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
}

/** Options of {@link EventStore.readStream}. */
export interface ReadStreamOptions {
  /** Default `forwards`. */
  readonly direction?: 'forwards' | 'backwards';
  /** First revision returned (inclusive). Default: the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  /** Maximum number of events returned. Default: all. */
  readonly limit?: number;
}

/** Options of {@link EventStore.subscribeToAll}. */
export interface SubscribeToAllOptions {
  /** Only events whose type starts with one of these prefixes. Default: every non-system event. */
  readonly eventTypePrefix?: string | readonly string[];
  /**
   * Emit a checkpoint at least after this many events were scanned without a message being
   * emitted (filtered out). Default 32. Adapters may round it (EventStoreDB counts in server pages).
   */
  readonly checkpointInterval?: number;
}

/** One message of a subscription: an event, or a checkpoint to persist and resume after. */
export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | {
      readonly kind: 'checkpoint';
      /** Every event up to and including this position has been delivered or filtered out. */
      readonly position: Position;
    };

/**
 * A catch-up-then-live subscription to `$all`. Iterate it once; {@link AllSubscription.close}
 * ends the iteration (a pending `next()` resolves done) and releases the adapter's resources.
 */
export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

/** The EventStore port. */
export interface EventStore {
  /**
   * Appends events atomically to a stream after checking its revision.
   * If every event id was already appended to this stream, returns the original result and
   * writes nothing. Fails with {@link WrongExpectedVersionError} on a revision conflict.
   */
  append(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams (each at most once) in the given order, with the checks and the
   * idempotency of {@link append} for each; the results are in the same order. Where
   * {@link atomicMultiStream} is true all appends are written or none is. Where it is false (a
   * store without multi-stream transactions) they are written one after another and a failure
   * leaves the earlier ones written; since re-appending an event id is a no-op, retrying the same
   * call with the same event ids writes exactly what is missing.
   */
  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Whether {@link appendToStreams} is all-or-nothing. */
  readonly atomicMultiStream: boolean;
  /** Events of one stream in revision order (or reverse); an absent stream reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Up to `limit` events of `$all` strictly after `fromPosition`, in position order. */
  readAll(fromPosition: Position, limit: number): Promise<RecordedEvent[]>;
  /** The position of the last event in `$all`, or START_POSITION when empty. */
  headPosition(): Promise<Position>;
  /** Subscribes to `$all` strictly after `fromPosition`: catch-up, then live. */
  subscribeToAll(fromPosition: Position, options?: SubscribeToAllOptions): AllSubscription;
  /** Closes subscriptions and releases the store. */
  close(): Promise<void>;
  /**
   * Why writes currently fail for lack of storage, if they do (embedded store: its disk is full).
   * Optional: a server store reports its own health.
   */
  storageProblem?(): string | undefined;
}
