import { EventEmitter } from 'node:events';
import path from 'node:path';
import { KeystreamError, StorageFullLatch, noSpaceCauseOf, storageExhausted } from '@keystream/api';
import type { Database, RootDatabase } from 'lmdb';
import { LMDB_PLAIN_MSGPACK, watchEnvironmentCommits, type EnvironmentCommitWatch } from '@keystream/kernel';
import { open } from 'lmdb';
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
} from '../eventStore.js';
import type { Position } from '../position.js';
import { DataFileFlusher } from './dataFileFlusher.js';
import { LmdbAllSubscription } from './lmdbAllSubscription.js';
import { decodeSequencePosition, encodeSequencePosition } from './sequencePosition.js';
import { validateAppend, validateAppends } from '../validateAppend.js';

/** How long an append waits for lmdb-js to report its flush before the store flushes the file itself. */
const FLUSH_FALLBACK_MS = 50;

/** Options of {@link openLmdbEventStore}. */
export interface LmdbEventStoreOptions {
  /** Directory holding the LMDB environment (created if absent). */
  readonly path: string;
  /**
   * Wait for the commit to be flushed to disk before acknowledging an append (power-loss
   * durability, as EventStoreDB acknowledges). Default true. False acknowledges once committed:
   * that survives the process being killed (the OS holds the written pages) but not a machine
   * crash or power loss (`KEYSTREAM_DURABILITY=relaxed`).
   */
  readonly waitForFlush?: boolean;
  /**
   * This process only reads: another process (the one running the api) appends to the same
   * directory. Appends are refused; the other process's commits are noticed (environmentCommits
   * in @keystream/kernel) and handed to subscriptions. Default false: this process appends.
   */
  readonly follow?: boolean;
  /**
   * How the store puts its data file on disk itself (default: fdatasync): a follower before it
   * hands the writer's newest commits over, the writer when lmdb-js does not report its flush.
   * Given for tests that hold a flush back.
   */
  readonly flushDataFile?: (dataFile: string) => Promise<void>;
}

/** How an event is stored under its sequence number. */
interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
  readonly stream: string;
  readonly revision: number;
}

/** Where an already-appended event id landed: `[revision, sequence]`. */
type EventIdEntry = readonly [number, number];

/** Emitted on {@link LmdbEventStore.appended} after each committed append, with the new head sequence. */
const APPENDED = 'appended';

/**
 * The embedded EventStore on LMDB.
 *
 * Layout (one LMDB environment, four named databases):
 * - `events`: sequence number → event; the sequence is the global position.
 * - `streams`: `[stream, revision]` → sequence, so a stream reads as one key range.
 * - `heads`: stream → last revision.
 * - `eventIds`: `[stream, eventId]` → `[revision, sequence]`, for idempotent re-appends.
 *
 * Every append runs as one lmdb-js write transaction callback: those callbacks run one at a time
 * and see each other's writes, so the revision check and the writes are atomic and concurrent
 * appenders in this process are safe. A callback that throws after writing does not roll back, so
 * every check happens before the first write.
 */
export class LmdbEventStore implements EventStore {
  /** One LMDB write transaction holds every append of {@link appendToStreams}. */
  readonly atomicMultiStream = true;
  /** Notified after each committed append; subscriptions wait on it instead of polling. */
  readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<LmdbAllSubscription>();
  private closed = false;
  /** Whether the storage is full: set by a commit that found no space, cleared once one commits with room again. */
  private readonly storageFull: StorageFullLatch;
  /** Next sequence to assign. Only advanced inside a write transaction callback, so it is never reused. */
  private nextSequence: number;
  /** Highest sequence known committed; what subscribers may read up to. */
  private committedSequence: number;
  /** A follower's watch on the writer's commits. */
  private commitWatch: EnvironmentCommitWatch | undefined;
  /** Follower: the newest commit seen, delivered once flushed. */
  private followTarget = 0;
  /** Follower: the flush delivering followTarget (chained, one at a time). */
  private followFlush: Promise<void> = Promise.resolve();
  /** The environment's data file, flushed by a follower and as the writer's fallback. */
  private readonly dataFile: DataFileFlusher;

  private constructor(
    private readonly root: RootDatabase,
    private readonly events: Database<StoredEvent, number>,
    private readonly streams: Database<number, [string, number]>,
    private readonly heads: Database<number, string>,
    private readonly eventIds: Database<EventIdEntry, [string, string]>,
    private readonly waitForFlush: boolean,
    storageDirectory: string,
    private readonly following: boolean,
    flushDataFile: ((dataFile: string) => Promise<void>) | undefined,
  ) {
    this.storageFull = new StorageFullLatch(storageDirectory);
    this.dataFile = new DataFileFlusher(path.join(storageDirectory, 'data.mdb'), flushDataFile);
    this.appended.setMaxListeners(0);
    let last = 0;
    for (const key of events.getKeys({ reverse: true, limit: 1 })) last = key;
    this.nextSequence = last + 1;
    this.committedSequence = last;
    if (following) {
      this.commitWatch = watchEnvironmentCommits(storageDirectory, () => {
        this.followCommits().catch(() => {
          // The flush failed: nothing was delivered unflushed; the fallback poll tries again.
          this.followTarget = this.committedSequence;
          this.followFlush = Promise.resolve();
        });
      });
    }
  }

  /**
   * Follower: takes the writer's newest commit as the head and wakes the subscriptions, once it is
   * on disk. LMDB makes a commit visible to other processes before the writer's flush finishes
   * (lmdb-js overlaps the sync with the next transaction), and the writer's own subscribers wait
   * for that flush: so must a follower, or a projector in another process could store a read
   * model ahead of a log that a power loss then takes back. The follower flushes the file itself
   * (fdatasync writes out every dirty page of it, whichever process wrote them), one flush for
   * however many commits arrived meanwhile. Resolves once the head holds what it saw.
   */
  private followCommits(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // lmdb-js keeps a read snapshot for the rest of an event turn: look at the newest commit.
    this.root.resetReadTxn();
    let last = 0;
    for (const key of this.events.getKeys({ reverse: true, limit: 1 })) last = key;
    if (last <= this.committedSequence || last <= this.followTarget) return this.followFlush;
    this.followTarget = last;
    // Checked again after the flush: the store may close, or a newer flush land, meanwhile.
    const superseded = (): boolean => this.closed || last <= this.committedSequence;
    this.followFlush = this.followFlush.then(async () => {
      if (superseded()) return;
      await this.flushFollowedFile();
      if (superseded()) return;
      this.committedSequence = last;
      this.appended.emit(APPENDED, this.committedSequence);
    });
    return this.followFlush;
  }

  /**
   * Follower: the writer answered an append of this process at `position` (forwardingEventStore.ts),
   * and answers only once its commit is on disk, so the head moves there without a flush of its
   * own: what this process reads next includes its own write.
   */
  acknowledgeWriterPosition(position: Position): void {
    if (!this.following || this.closed) return;
    const sequence = decodeSequencePosition(position);
    if (sequence <= this.committedSequence) return;
    // The read snapshot of this turn may predate the commit.
    this.root.resetReadTxn();
    this.committedSequence = sequence;
    this.followTarget = Math.max(this.followTarget, sequence);
    this.appended.emit(APPENDED, this.committedSequence);
  }

  /** fdatasync on the environment's data file, for a follower. */
  private async flushFollowedFile(): Promise<void> {
    try {
      await this.dataFile.flush();
    } catch (error) {
      // A file system that cannot flush from a reader (EINVAL/EBADF on some) leaves durability to
      // the writer's own flush, as before; anything else is worth retrying at the next commit.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'EBADF' && code !== 'EROFS') throw error;
    }
  }

  /**
   * The writer: resolves once its commits are on disk. lmdb-js's `flushed` promise says so, but a
   * write batch that fails (a full disk) never resolves the flush promises it had handed out, and
   * an append that picked one up would wait forever (a process manager's command then blocked the
   * process's stop). So when lmdb-js has not answered within FLUSH_FALLBACK_MS the store flushes
   * the data file itself: the commit is written by then, so that flush holds it too.
   */
  private async awaitFlush(): Promise<void> {
    let fallback: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve(this.root.flushed),
        new Promise<void>((resolve, reject) => {
          fallback = setTimeout(() => {
            this.dataFile.flush().then(resolve, (error: unknown) => {
              reject(new KeystreamError('UNAVAILABLE', `the event store could not put the write on disk (${error instanceof Error ? error.message : String(error)}); it may or may not last: retry with the same request id`));
            });
          }, FLUSH_FALLBACK_MS);
        }),
      ]);
    } finally {
      clearTimeout(fallback);
    }
  }

  private assertWriter(): void {
    if (this.following) throw new KeystreamError('FAILED_PRECONDITION', 'this process follows the event store another keystream process (the api) writes; it cannot append');
  }

  /** Opens (creating if needed) the store in `options.path`. */
  static open(options: LmdbEventStoreOptions): LmdbEventStore {
    // No event-turn batching: lmdb-js then starts each batch with a commit promise of its own that
    // nobody can handle, so a failed commit (disk full) became an unhandled rejection that ended
    // the process. Appends still share commits (concurrent transaction callbacks batch together).
    const root = open({ path: options.path, maxDbs: 8, compression: false, eventTurnBatching: false });
    return new LmdbEventStore(
      root,
      root.openDB<StoredEvent, number>({ name: 'events', ...LMDB_PLAIN_MSGPACK }),
      root.openDB<number, [string, number]>({ name: 'streams' }),
      root.openDB<number, string>({ name: 'heads' }),
      root.openDB<EventIdEntry, [string, string]>({ name: 'eventIds' }),
      options.waitForFlush ?? true,
      options.path,
      options.follow === true,
      options.flushDataFile,
    );
  }

  async append(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    this.assertWriter();
    validateAppend(stream, events, expectedRevision);
    const outcome = await this.commit((): AppendOutcome => this.appendInTransaction(stream, events, expectedRevision));
    if (outcome.kind === 'conflict') throw new WrongExpectedVersionError(stream, expectedRevision, outcome.actualRevision);
    if (outcome.kind === 'partialDuplicate') throw new DuplicateEventIdError(stream, outcome.duplicateIds);
    return this.settle(outcome);
  }

  /**
   * Appends to several streams in one write transaction: every append is checked before the first
   * write, so either all are written (or were already, for an idempotent retry) or none is.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    this.assertWriter();
    validateAppends(appends);
    const outcome = await this.commit((): { readonly failed: number; readonly outcome: AppendOutcome } | { readonly outcomes: AppendOutcome[] } => {
      const checks = appends.map(({ stream, events, expectedRevision }) => this.checkAppend(stream, events, expectedRevision));
      const failed = checks.findIndex((check) => check.kind === 'conflict' || check.kind === 'partialDuplicate');
      if (failed >= 0) return { failed, outcome: checks[failed] as AppendOutcome };
      return { outcomes: checks.map((check, index) => (check.kind === 'fresh' ? this.writeAppend((appends[index] as StreamAppend).stream, (appends[index] as StreamAppend).events, check.head) : check)) };
    });
    if ('failed' in outcome) {
      const { stream, expectedRevision } = appends[outcome.failed] as StreamAppend;
      if (outcome.outcome.kind === 'conflict') throw new WrongExpectedVersionError(stream, expectedRevision, outcome.outcome.actualRevision);
      if (outcome.outcome.kind === 'partialDuplicate') throw new DuplicateEventIdError(stream, outcome.outcome.duplicateIds);
      throw new KeystreamError('INTERNAL', `multi-stream append to "${stream}" failed without a reason`);
    }
    return Promise.all(outcome.outcomes.map((result) => this.settle(result)));
  }

  /**
   * Runs `write` in one LMDB write transaction. A commit that finds no space is refused with
   * RESOURCE_EXHAUSTED (and remembered for {@link storageProblem} until a commit succeeds). A
   * failed commit wrote nothing (LMDB aborts the whole transaction); the sequences its callbacks
   * took stay unused: a gap in positions, never a reuse.
   */
  private async commit<T>(write: () => T): Promise<T> {
    let result: T;
    try {
      result = await this.root.transaction(write);
    } catch (error) {
      const noSpace = await noSpaceCauseOf(error);
      if (noSpace === undefined) throw error;
      this.storageFull.noteNoSpace(noSpace);
      throw storageExhausted('event store', noSpace);
    }
    this.storageFull.noteCommitted();
    return result;
  }

  /** Makes a written append visible to subscribers; the result the caller sees. */
  private async settle(outcome: AppendOutcome): Promise<AppendResult> {
    if (outcome.kind !== 'written' && outcome.kind !== 'duplicate') throw new KeystreamError('INTERNAL', `an append outcome ${outcome.kind} has no result`);
    if (outcome.kind === 'written') {
      if (this.waitForFlush) await this.awaitFlush();
      if (outcome.sequence > this.committedSequence) this.committedSequence = outcome.sequence;
      this.appended.emit(APPENDED, this.committedSequence);
    }
    return { revision: outcome.revision, position: encodeSequencePosition(outcome.sequence) };
  }

  /** Runs inside the write transaction: checks, then writes. Must not throw after the first write. */
  private appendInTransaction(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): AppendOutcome {
    const check = this.checkAppend(stream, events, expectedRevision);
    return check.kind === 'fresh' ? this.writeAppend(stream, events, check.head) : check;
  }

  /** Inside the write transaction, before any write: may this append proceed, or was it made already? */
  private checkAppend(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): AppendOutcome | { readonly kind: 'fresh'; readonly head: number | undefined } {
    const known: EventIdEntry[] = [];
    const duplicateIds: string[] = [];
    for (const event of events) {
      const entry = this.eventIds.get([stream, event.id]);
      if (entry !== undefined) {
        known.push(entry);
        duplicateIds.push(event.id);
      }
    }
    if (known.length === events.length) {
      // Every id is already there: an idempotent retry. Its result is where the batch's last event landed.
      const last = known[known.length - 1];
      if (last === undefined) throw new KeystreamError('INTERNAL', 'an append of no events reached the transaction');
      return { kind: 'duplicate', revision: last[0], sequence: last[1] };
    }
    if (known.length > 0) return { kind: 'partialDuplicate', duplicateIds };

    const head = this.heads.get(stream);
    const actual = head ?? 'no_stream';
    const matches = expectedRevision === 'any' || expectedRevision === actual;
    if (!matches) return { kind: 'conflict', actualRevision: actual };
    return { kind: 'fresh', head };
  }

  /** Inside the write transaction, after the checks: writes the events after revision `head`. */
  private writeAppend(stream: string, events: readonly NewEvent[], head: number | undefined): AppendOutcome {
    let revision = head ?? -1;
    let sequence = this.nextSequence;
    for (const event of events) {
      revision += 1;
      const stored: StoredEvent = { id: event.id, type: event.type, data: event.data, metadata: event.metadata, stream, revision };
      this.events.putSync(sequence, stored);
      this.streams.putSync([stream, revision], sequence);
      this.eventIds.putSync([stream, event.id], [revision, sequence]);
      sequence += 1;
    }
    this.heads.putSync(stream, revision);
    this.nextSequence = sequence;
    return { kind: 'written', revision, sequence: sequence - 1 };
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    const from = options.fromRevision;
    // The last event alone (every command's and every Get's read): two key lookups instead of a
    // reverse cursor over the stream's index, which costs several times more.
    if (backwards && limit === 1 && from === undefined) {
      const head = this.heads.get(stream);
      const sequence = head === undefined ? undefined : this.streams.get([stream, head]);
      return Promise.resolve(sequence === undefined ? [] : [this.eventAt(sequence)]);
    }
    const range = backwards
      ? this.streams.getRange({ start: [stream, from ?? Number.MAX_SAFE_INTEGER], end: [stream, -1], reverse: true, limit })
      : this.streams.getRange({ start: [stream, from ?? 0], end: [stream, Number.MAX_SAFE_INTEGER], limit });
    const result: RecordedEvent[] = [];
    for (const { value: sequence } of range) result.push(this.eventAt(sequence));
    return Promise.resolve(result);
  }

  readAll(fromPosition: Position, limit: number): Promise<RecordedEvent[]> {
    this.assertOpen();
    return Promise.resolve(this.readAllSync(decodeSequencePosition(fromPosition), limit));
  }

  /** Events with sequence in (`afterSequence`, committed head], at most `limit`. */
  readAllSync(afterSequence: number, limit: number): RecordedEvent[] {
    const result: RecordedEvent[] = [];
    if (afterSequence >= this.committedSequence) return result;
    for (const { key, value } of this.events.getRange({ start: afterSequence + 1, end: this.committedSequence + 1, limit })) {
      result.push(toRecorded(key, value));
    }
    return result;
  }

  /** Why appends currently fail for lack of storage (the last append found no space), if they do. */
  storageProblem(): string | undefined {
    return this.storageFull.problem();
  }

  /** The committed head sequence (0 when empty); a follower's may lag a flush behind (headPosition waits for it). */
  headSequence(): number {
    if (this.following) this.followCommits().catch(() => undefined);
    return this.committedSequence;
  }

  async headPosition(): Promise<Position> {
    this.assertOpen();
    // A follower looks for newer commits first (what the writer acknowledged is part of the head).
    if (this.following) await this.followCommits().catch(() => undefined);
    return encodeSequencePosition(this.committedSequence);
  }

  subscribeToAll(fromPosition: Position, options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    const subscription = new LmdbAllSubscription(this, decodeSequencePosition(fromPosition), options, (done) => this.subscriptions.delete(done));
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Waits until the committed head passes `sequence` or `signal` fires; never polls. */
  waitForAppendAfter(sequence: number, signal: AbortSignal): Promise<void> {
    if (this.committedSequence > sequence || signal.aborted || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.appended.off(APPENDED, onAppended);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onAppended = (head: number): void => {
        if (head > sequence) done();
      };
      this.appended.on(APPENDED, onAppended);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.commitWatch?.close();
    await this.followFlush.catch(() => undefined);
    await this.dataFile.close();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.root.close();
  }

  private eventAt(sequence: number): RecordedEvent {
    const stored = this.events.get(sequence);
    if (stored === undefined) throw new KeystreamError('DATA_LOSS', `event store index points at sequence ${sequence}, which holds no event`);
    return toRecorded(sequence, stored);
  }

  private assertOpen(): void {
    if (this.closed) throw new KeystreamError('FAILED_PRECONDITION', 'the event store is closed');
  }
}

type AppendOutcome =
  | { readonly kind: 'written' | 'duplicate'; readonly revision: number; readonly sequence: number }
  | { readonly kind: 'conflict'; readonly actualRevision: number | 'no_stream' }
  | { readonly kind: 'partialDuplicate'; readonly duplicateIds: readonly string[] };

function toRecorded(sequence: number, stored: StoredEvent): RecordedEvent {
  return {
    id: stored.id,
    type: stored.type,
    data: stored.data,
    metadata: stored.metadata,
    stream: stored.stream,
    revision: stored.revision,
    position: encodeSequencePosition(sequence),
  };
}

/** Opens the embedded LMDB event store. */
export function openLmdbEventStore(options: LmdbEventStoreOptions): LmdbEventStore {
  return LmdbEventStore.open(options);
}
