/**
 * The event store of a process that serves the API in front of an embedded event log another
 * process writes (an api replica, docs/operations.md): reads come from its own follower of the log
 * (LMDB is multi-process), appends go to the one writer over a local socket (appendServer.ts), so
 * the log keeps exactly one writer — one sequence, one place where revisions are checked — while
 * the work before an append (validation, authorization, the decision) runs here, on this core.
 *
 * Once the writer answers, the follower takes the answered position as its head at once (the
 * writer answers after the commit is on disk, so nothing is flushed again): what this process
 * reads next — the resource it just wrote, the authorization the write changed — includes it.
 * `settle` asks the writer for what its process managers make in reaction to a write, which only
 * that process knows.
 */
import { connect, type Socket } from 'node:net';
import { KeystreamError } from '@keystream/api';
import type { AllSubscription, AppendResult, EventStore, ExpectedRevision, NewEvent, ReadStreamOptions, RecordedEvent, StreamAppend, SubscribeToAllOptions } from '../eventStore.js';
import type { LmdbEventStore } from '../lmdb/lmdbEventStore.js';
import { laterPosition } from '@keystream/kernel';
import { START_POSITION, type Position } from '../position.js';
import { validateAppend, validateAppends } from '../validateAppend.js';
import { AppendAnswerSchema, ChallengeSchema, errorFromWire, lineReader, nonce, proofOf, sameProof } from './appendProtocol.js';

/** JSON.parse, or undefined for a line that is not JSON. */
function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export interface ForwardingEventStoreOptions {
  /** The writer's append socket (a path, or on Linux an abstract name starting with "\0"). */
  readonly address: string;
  /** The secret the writer expects; read at each connection (a restarted writer chooses a new one). */
  readonly secret: () => string;
  /** How long an append waits for the writer's answer before failing UNAVAILABLE (default 30 s; a settle waits at least its own deadline). */
  readonly answerTimeoutMilliseconds?: number;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
/** How much longer than its own deadline a settle waits for the writer's answer (the writer's UNAVAILABLE comes first). */
const SETTLE_ANSWER_GRACE_MS = 5_000;

/** An answer the writer owes: an append's results, or the position a settle answered. */
type Answered = AppendResult[] | Position;

interface PendingAppend {
  readonly resolve: (answered: Answered) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The writer did not answer a request (it is gone, unreachable, or too slow). */
class UnansweredError extends KeystreamError {
  constructor(readonly why: string) {
    super('UNAVAILABLE', `the process that writes the event log did not answer (${why}); the write may or may not have happened: retry with the same request id`);
  }
}

/** Why an append's fate is unknown: the caller may retry with the same request id (appends are idempotent by event id). */
function unanswered(why: string): KeystreamError {
  return new UnansweredError(why);
}

/** An event store that reads its follower and appends through the log's writer. */
export class ForwardingEventStore implements EventStore {
  readonly atomicMultiStream = true;
  private connection: Promise<Socket> | undefined;
  private readonly pending = new Map<number, PendingAppend>();
  /** Connections whose writer said it takes settle requests. */
  private readonly settlingWriters = new WeakSet<Socket>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly follower: LmdbEventStore,
    private readonly options: ForwardingEventStoreOptions,
  ) {}

  async append(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(stream, events, expectedRevision);
    const [result] = await this.forward([{ stream, events, expectedRevision }]);
    if (result === undefined) throw new KeystreamError('INTERNAL', `the event log's writer answered an append to "${stream}" without a result`);
    return result;
  }

  /**
   * Resolves once what the writer's process reacts with to the log up to `position` (its process
   * managers' commands) is in the log, with the position to read to for it; this process's
   * follower takes a position the writer answered as its head. UNAVAILABLE when the writer does
   * not settle it within `timeoutMs`.
   */
  async settle(position: Position, timeoutMs: number): Promise<Position> {
    this.assertOpen();
    const settled = await this.settleRequest(position, timeoutMs).catch((error: unknown) => {
      // Nothing was written here: the append's advice (retry with the same request id) does not apply.
      if (error instanceof UnansweredError) throw new KeystreamError('UNAVAILABLE', `the process that runs the process managers did not say whether they reached ${position} (${error.why}); retry`);
      throw error;
    });
    if (typeof settled !== 'string') throw new KeystreamError('INTERNAL', `the event log's writer answered a settle of ${position} with append results`);
    return settled;
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    validateAppends(appends);
    const results = await this.forward(appends);
    if (results.length !== appends.length) throw new KeystreamError('INTERNAL', `the event log's writer answered ${results.length} results for ${appends.length} appends`);
    return results;
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.follower.readStream(stream, options);
  }

  readAll(fromPosition: Position, limit: number): Promise<RecordedEvent[]> {
    return this.follower.readAll(fromPosition, limit);
  }

  headPosition(): Promise<Position> {
    return this.follower.headPosition();
  }

  subscribeToAll(fromPosition: Position, options?: SubscribeToAllOptions): AllSubscription {
    return this.follower.subscribeToAll(fromPosition, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    this.failPending(unanswered('this process is stopping'));
    if (connection !== undefined) (await connection.catch(() => undefined))?.destroy();
    await this.follower.close();
  }

  /** Sends the appends of one call and waits for the answer; a success moves the follower's head to it. */
  private async forward(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const results = await this.request({ appends }, this.answerTimeout());
    if (typeof results === 'string') throw new KeystreamError('INTERNAL', "the event log's writer answered an append with a settled position");
    const newest = results.reduce<Position>((latest, { position }) => laterPosition(latest, position), START_POSITION);
    if (newest !== START_POSITION) this.follower.acknowledgeWriterPosition(newest);
    return results;
  }

  /**
   * The settle request, when the writer takes one. A writer of an earlier version (a replica
   * started by hand during an upgrade) does not, and would close the connection on it, failing
   * the appends in flight there: the position is then taken as it is, as before settling existed.
   */
  private async settleRequest(position: Position, timeoutMs: number): Promise<Answered> {
    const socket = await this.connectOnce();
    if (!this.settlingWriters.has(socket)) return position;
    const settled = await this.request({ settle: position, timeoutMs }, Math.max(this.answerTimeout(), timeoutMs + SETTLE_ANSWER_GRACE_MS));
    // Only a position the writer answered is in the log: the caller's own (a header) may not be.
    if (typeof settled === 'string' && settled !== START_POSITION) this.follower.acknowledgeWriterPosition(settled);
    return settled;
  }

  /** Sends one request line and waits for its answer, at most `timeoutMs`. */
  private async request(body: { readonly appends: readonly StreamAppend[] } | { readonly settle: Position; readonly timeoutMs: number }, timeoutMs: number): Promise<Answered> {
    const socket = await this.connectOnce();
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<Answered>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(unanswered(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      socket.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private answerTimeout(): number {
    return this.options.answerTimeoutMilliseconds ?? DEFAULT_ANSWER_TIMEOUT_MS;
  }

  /** The connection to the writer, opened on first use and again after it closed. */
  private connectOnce(): Promise<Socket> {
    this.connection ??= new Promise<Socket>((resolve, reject) => {
      let secret: string;
      try {
        secret = this.options.secret();
      } catch (error) {
        reject(unanswered(`its secret cannot be read: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      const socket = connect(this.options.address);
      socket.unref();
      socket.setNoDelay(true);
      const clientNonce = nonce();
      let admitted = false;
      // Whatever listens there must prove itself in time, or an append would wait forever.
      const handshakeTimer = setTimeout(() => socket.destroy(), this.answerTimeout());
      handshakeTimer.unref();
      // The first line is the writer's proof; every later one an answer.
      const onData = lineReader(
        (line) => {
          if (admitted) {
            this.receive(line);
            return;
          }
          const challenge = ChallengeSchema.safeParse(parseJson(line));
          if (!challenge.success || !sameProof(challenge.data.proof, proofOf(secret, 'writer', clientNonce, challenge.data.challenge))) {
            socket.destroy();
            return;
          }
          admitted = true;
          if (challenge.data.settles === true) this.settlingWriters.add(socket);
          clearTimeout(handshakeTimer);
          socket.write(`${JSON.stringify({ proof: proofOf(secret, 'replica', clientNonce, challenge.data.challenge) })}\n`);
          resolve(socket);
        },
        () => socket.destroy(),
      );
      socket.on('data', onData);
      socket.once('connect', () => {
        socket.write(`${JSON.stringify({ hello: clientNonce })}\n`);
      });
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(handshakeTimer);
        reject(unanswered('it is not running, refused the connection, or did not prove it knows the secret'));
        this.connection = undefined;
        // A conflict or duplicate would have been answered: these appends' fate is unknown.
        this.failPending(unanswered('the connection to it closed'));
      });
    });
    const connecting = this.connection;
    // A failed connection is not kept: the next append tries again.
    connecting.catch(() => {
      if (this.connection === connecting) this.connection = undefined;
    });
    return connecting;
  }

  private receive(line: string): void {
    let answer;
    try {
      answer = AppendAnswerSchema.parse(JSON.parse(line));
    } catch {
      return;
    }
    const waiting = this.pending.get(answer.id);
    if (waiting === undefined) return;
    this.pending.delete(answer.id);
    clearTimeout(waiting.timer);
    if ('results' in answer) {
      waiting.resolve(answer.results);
      return;
    }
    if ('settled' in answer) {
      waiting.resolve(answer.settled);
      return;
    }
    // A refused append (a conflict) may have lost to a newer write: let the next read see it.
    void this.follower.headPosition().catch(() => undefined);
    waiting.reject(errorFromWire(answer.error));
  }

  private failPending(error: KeystreamError): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      this.pending.delete(id);
      waiting.reject(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new KeystreamError('FAILED_PRECONDITION', 'the event store is closed');
  }
}
