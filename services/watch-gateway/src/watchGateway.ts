/**
 * The watch gateway: every Watch method over a multiplexed WebSocket (mounted on the REST edge's
 * uWS app) and, through the edge's StreamDispatcher, as NDJSON over HTTP. One {@link ChangeHub}
 * per gateway feeds every watch.
 *
 * Backpressure: each socket has a soft limit on uWS's buffered amount. A watch pauses while its
 * socket is above it; entries then queue in the watch up to its bound, after which the watch drops
 * them and hard-resets once the socket drains. A socket that stays above the soft limit for
 * `stallTimeoutMs`, or exceeds the hard limit, is closed (1013): memory stays bounded whatever a
 * client does, and nothing is ever dropped silently.
 */
import { decodeMessage, encodeMessage, isKeystreamError, KeystreamError, METHODS, type MessageName, type MethodDescriptor } from '@keystream/api';
import type { ApiCall, ApiDispatcher, HttpServerOptions } from '@keystream/service-api';
import { peerOf } from '@keystream/service-api';
import { ANONYMOUS, type WatchEngine, type WatchHandle, type WatchPrincipal, type WatchSink } from '@keystream/watch';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from '@trufflesuite/uws-js-unofficial';
import { frameIdOf, parseClientFrame, parseMinPosition } from './watchFrames.js';
import { WatchFrameSink, type FrameOutlet } from './watchFrameSink.js';
import { readProtocolOffer } from './protocolOffer.js';
import { MIN_POSITION_HEADER, type Logger } from '@keystream/kernel';

type StreamDispatcher = NonNullable<HttpServerOptions['streamDispatcher']>;
type StreamHandle = Awaited<ReturnType<StreamDispatcher>>;

/** Resolves the principal of a connection or request from its headers (issue 7 plugs authentication in here). */
export type PrincipalResolver = (headers: Readonly<Record<string, string>>, remoteAddress: string) => WatchPrincipal | Promise<WatchPrincipal>;

/**
 * Decides whether `principal` may open a watch of `method` with `request` (internal form); throws
 * the refusal the client should see (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND). Runs before
 * the watch starts, so a refused watch sends nothing but its error.
 */
export type WatchAuthorizer = (principal: WatchPrincipal, method: MethodDescriptor, request: Readonly<Record<string, unknown>>) => Promise<void>;


/** Options of {@link WatchGateway}. */
export interface WatchGatewayOptions {
  readonly engine: WatchEngine;
  /** Where the gateway reports failures. */
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** Default: every caller is anonymous. */
  readonly resolvePrincipal?: PrincipalResolver;
  /** Authorizes each watch at open (default: every watch may open; its documents still pass `canSee`). */
  readonly authorizeWatch?: WatchAuthorizer;
  /** Buffered bytes above which a socket's watches pause (default 1 MiB). */
  readonly softBufferBytes?: number;
  /** Buffered bytes above which a socket is closed (default 16 MiB). */
  readonly hardBufferBytes?: number;
  /** How long a socket may stay above the soft limit before it is closed (default 30 s). */
  readonly stallTimeoutMs?: number;
  /**
   * How long a socket closed for a slow reader is kept so its client can drain what was buffered
   * and then read the 1013 close frame (default: the stall timeout). A client that reads nothing
   * for that long is cut.
   */
  readonly closeGraceMs?: number;
  /** Seconds without traffic before uWS closes a socket; pings are sent automatically before that (default 60). */
  readonly idleTimeoutSeconds?: number;
  /** Largest client frame (default 1 MiB): a larger one closes the socket with 1009 (above 4× the limit the connection is cut, 1006). */
  readonly maxFrameBytes?: number;
  /**
   * Read-your-writes for watches: resolves once the read model (and whatever decides what a
   * principal may see) has everything up to `position`; rejects (UNAVAILABLE) when it does not
   * get there in time. Without it a watch's minimum position is refused as unsupported.
   */
  readonly awaitPosition?: (position: string) => Promise<void>;
  /** Most watches open at once on one socket (default {@link DEFAULT_MAX_WATCHES_PER_SOCKET}). */
  readonly maxWatchesPerSocket?: number;
  /** Most watches open at once by one principal, over all its sockets and NDJSON streams (default {@link DEFAULT_MAX_WATCHES_PER_PRINCIPAL}). */
  readonly maxWatchesPerPrincipal?: number;
  /** Bidirectional exchanges (Verify) served over the socket; none when absent. */
  readonly exchanges?: ExchangeOptions;
}

/**
 * A bidirectional method served as a sequence of unary calls through `dispatch` (so it passes the
 * same authentication, authorization and handler as over REST): each client message is one call,
 * each answer one response frame. The headers named in `carriedHeaders` that a call answers with
 * are sent with the next call of the same exchange (Verify's challenge ticket); an answer without
 * any of them ends the exchange.
 */
export interface ExchangeOptions {
  readonly dispatch: ApiDispatcher;
  readonly methods: ReadonlyMap<string, { readonly carriedHeaders: readonly string[] }>;
}

/** One open exchange of a socket. */
interface Exchange {
  readonly method: MethodDescriptor;
  readonly carriedHeaders: readonly string[];
  carried: Record<string, string>;
  /**
   * The values of the route's path variables in the first message (Verify's attestation domain):
   * later messages are sent as the REST route sends them, with the same path, so they are
   * authorized on the same resource.
   */
  routed: readonly { readonly path: readonly string[]; readonly value: unknown }[] | undefined;
  /** A message is being handled: the next must wait for its answer. */
  busy: boolean;
  readonly abort: AbortController;
}

/** Default of {@link WatchGatewayOptions.maxWatchesPerSocket}. */
export const DEFAULT_MAX_WATCHES_PER_SOCKET = 100;
/** Default of {@link WatchGatewayOptions.maxWatchesPerPrincipal}. */
export const DEFAULT_MAX_WATCHES_PER_PRINCIPAL = 500;

/** Per-socket state. */
interface Connection {
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
  readonly watches: Map<string, WatchHandle>;
  /** Ids whose watch is being opened (principal resolution is asynchronous), and whether a cancel came meanwhile. */
  readonly opening: Map<string, { cancelled: boolean }>;
  readonly exchanges: Map<string, Exchange>;
  writableWaiters: (() => void)[];
  closed: boolean;
  /** When the socket went above the soft limit (0 = it is not). */
  stalledSince: number;
  /** A watch was opened: an `{auth}` frame is refused from then on. */
  watched: boolean;
  /**
   * The principal the socket's first watch was opened as. Each later watch still authenticates
   * the socket's credentials (an expired or revoked token refuses it), then runs as this same
   * object when the subject is the same: the credentials cannot change once a watch is open, so
   * it stands for the same caller, and a principal (with what the resolver keeps beside it) per
   * watch cost memory for nothing.
   */
  principal?: WatchPrincipal;
  /** Set once the socket is being closed for a slow reader: sent once what it buffered drained. */
  closing: { readonly code: number; readonly reason: string; readonly timer: NodeJS.Timeout } | undefined;
  /**
   * Frames not handed to uWS yet: a tick's frames for the socket go out together, corked (one
   * write for many watches), when the tick's fan-out is done.
   */
  outbox?: string[];
  /** Bytes in {@link outbox}: counted with uWS's buffered amount against the limits. */
  outboxBytes?: number;
}

/** WebSocket close code for a client frame over the limit (RFC 6455 §7.4.1). */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
/** uWS reads frames up to this many times the limit (so they can be answered with 1009); larger ones are cut (1006). */
const FRAME_CEILING_FACTOR = 4;
/** WebSocket close code for a client too slow to drain its buffer ("try again later"). */
export const CLOSE_TOO_SLOW = 1013;
/** WebSocket close code on shutdown ("going away"): reconnect, to this or another gateway, and resume. */
export const CLOSE_GOING_AWAY = 1001;
/** The path of the WebSocket endpoint on the edge's app. */
export const WATCH_PATH = '/v1/watch';

const STREAM_METHODS = new Map<string, MethodDescriptor>(METHODS.filter((method) => method.kind === 'stream').map((method) => [method.name, method]));

function asError(error: unknown): KeystreamError {
  return isKeystreamError(error) ? error : new KeystreamError('INTERNAL', 'the watch failed unexpectedly', [], { cause: error });
}

function camel(part: string): string {
  return part.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The path variables of the method's first route, with their values in `request`. */
function routedFieldsOf(method: MethodDescriptor, request: Record<string, unknown>): { path: string[]; value: unknown }[] {
  return (method.routes[0]?.template.variables ?? []).flatMap((variable) => {
    const path = variable.fieldPath.split('.').map(camel);
    let node: unknown = request;
    for (const part of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
    return node === undefined ? [] : [{ path, value: node }];
  });
}

function setIfAbsent(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== 'object' || child === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined && node[last] === undefined) node[last] = value;
}

export class WatchGateway {
  private readonly sockets = new Set<WebSocket<Connection>>();
  private readonly soft: number;
  private readonly hard: number;
  private readonly stallTimeout: number;
  private readonly resolvePrincipal: PrincipalResolver;
  private readonly authorizeWatch: WatchAuthorizer;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Open watches per principal subject, over every socket and NDJSON stream. */
  private readonly watchesByPrincipal = new Map<string, number>();
  private readonly maxPerSocket: number;
  private readonly maxPerPrincipal: number;
  private readonly maxFrame: number;
  /** Sockets closed for being too slow (metrics, tests). */
  slowClosures = 0;
  /** The most bytes uWS held buffered for any one socket (metrics, tests); never above the hard limit. */
  peakBufferedBytes = 0;
  /** Socket writes (corked flushes) and frames written (metrics, tests): frames per write grow with watches per socket. */
  readonly writes = { flushes: 0, frames: 0 };
  /** Sockets with frames in their outbox. */
  private readonly unflushed = new Set<WebSocket<Connection>>();
  private flushScheduled = false;
  /** The sockets' frame queue as every watch's sink sees it (watchFrameSink.ts). */
  private readonly outlet: FrameOutlet<WebSocket<Connection>> = {
    sendText: (ws, text, bytes) => this.sendText(ws, text, bytes),
    sendFrame: (ws, frame) => this.sendFrame(ws, frame),
    isWritable: (ws) => this.bufferedOf(ws) <= this.soft,
  };

  constructor(private readonly options: WatchGatewayOptions) {
    this.soft = options.softBufferBytes ?? 1024 * 1024;
    this.hard = options.hardBufferBytes ?? 16 * 1024 * 1024;
    this.stallTimeout = options.stallTimeoutMs ?? 30_000;
    this.resolvePrincipal = options.resolvePrincipal ?? (() => ANONYMOUS);
    this.authorizeWatch = options.authorizeWatch ?? (() => Promise.resolve());
    this.maxPerSocket = options.maxWatchesPerSocket ?? DEFAULT_MAX_WATCHES_PER_SOCKET;
    this.maxPerPrincipal = options.maxWatchesPerPrincipal ?? DEFAULT_MAX_WATCHES_PER_PRINCIPAL;
    this.maxFrame = options.maxFrameBytes ?? 1024 * 1024;
  }

  /** Open watches of a principal (tests, metrics). */
  watchesOf(principal: WatchPrincipal): number {
    return this.watchesByPrincipal.get(principal.subject) ?? 0;
  }

  /**
   * Counts a watch against its principal's cap, or refuses it with RESOURCE_EXHAUSTED. Returns
   * the release to call exactly once when the watch ends.
   */
  private reserveForPrincipal(principal: WatchPrincipal): () => void {
    const open = this.watchesByPrincipal.get(principal.subject) ?? 0;
    if (open >= this.maxPerPrincipal) {
      throw new KeystreamError('RESOURCE_EXHAUSTED', `${principal.subject} has ${open} watches open, the most one principal may have; cancel some first`);
    }
    this.watchesByPrincipal.set(principal.subject, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.watchesByPrincipal.get(principal.subject) ?? 1) - 1;
      if (left <= 0) this.watchesByPrincipal.delete(principal.subject);
      else this.watchesByPrincipal.set(principal.subject, left);
    };
  }

  /** Open sockets. */
  get connections(): number {
    return this.sockets.size;
  }

  /**
   * The largest client message uWS reads (so the gateway can answer a larger-than-limit one with
   * 1009); pass as the edge's `maxWebSocketMessageBytes`, so the node:http edge answers anything
   * above it with 1009 too instead of uWS cutting the connection.
   */
  get messageCeilingBytes(): number {
    return this.maxFrame * FRAME_CEILING_FACTOR;
  }

  /** Mounts the WebSocket endpoint; pass as the edge's `configureApp`. */
  readonly configureApp = (app: TemplatedApp): void => {
    app.ws<Connection>(WATCH_PATH, {
      idleTimeout: this.options.idleTimeoutSeconds ?? 60,
      sendPingsAutomatically: true,
      // uWS cuts a connection whose frame exceeds this without a close frame (1006), so it reads up
      // to a ceiling above the limit and the gateway closes larger frames itself with 1009.
      maxPayloadLength: this.messageCeilingBytes,
      // Above this uWS would drop messages; the gateway closes the socket before it gets there.
      maxBackpressure: this.hard * 2,
      closeOnBackpressureLimit: 0,
      upgrade: (response: HttpResponse, request: HttpRequest, context: us_socket_context_t) => {
        const headers: Record<string, string> = {};
        request.forEach((name, value) => {
          headers[name] = value;
        });
        let offer;
        try {
          offer = readProtocolOffer(headers['sec-websocket-protocol'] ?? '', headers['authorization']);
        } catch (error) {
          // Refused before the upgrade; the answer never repeats the offer (it may hold a token).
          const body = JSON.stringify(asError(error).toBody());
          response.cork(() => {
            response.writeStatus('400 Bad Request').writeHeader('content-type', 'application/json').end(body);
          });
          return;
        }
        if (offer.authorization !== undefined) headers['authorization'] = offer.authorization;
        // The offer may carry the token: keep it out of everything that could be logged or echoed.
        delete headers['sec-websocket-protocol'];
        // Bridged by the node:http edge over loopback: the client's address comes from the edge.
        const remoteAddress = peerOf(headers, Buffer.from(response.getRemoteAddressAsText()).toString());
        const connection: Connection = {
          headers,
          remoteAddress,
          watches: new Map(),
          opening: new Map(),
          exchanges: new Map(),
          writableWaiters: [],
          closed: false,
          stalledSince: 0,
          watched: false,
          closing: undefined,
        };
        // Answer with the real subprotocol only, never the bearer entry.
        response.upgrade(connection, headers['sec-websocket-key'] ?? '', offer.protocol, headers['sec-websocket-extensions'] ?? '', context);
      },
      open: (ws) => {
        this.sockets.add(ws);
        this.ensureStallTimer();
      },
      message: (ws, message) => {
        if (message.byteLength > this.maxFrame) {
          ws.end(CLOSE_MESSAGE_TOO_BIG, `frame of ${message.byteLength} bytes; at most ${this.maxFrame} are accepted`);
          return;
        }
        this.onMessage(ws, Buffer.from(message).toString('utf8'));
      },
      drain: (ws) => {
        this.onDrain(ws);
      },
      close: (ws) => {
        const connection = ws.getUserData();
        connection.closed = true;
        if (connection.closing !== undefined) clearTimeout(connection.closing.timer);
        this.sockets.delete(ws);
        for (const watch of connection.watches.values()) watch.close();
        connection.watches.clear();
        for (const exchange of connection.exchanges.values()) exchange.abort.abort();
        connection.exchanges.clear();
        this.wake(connection);
        if (this.sockets.size === 0 && this.stallTimer !== undefined) {
          clearInterval(this.stallTimer);
          this.stallTimer = undefined;
        }
      },
    });
  };

  /** Serves the REST `…:watch` routes as NDJSON; pass as the edge's `streamDispatcher`. */
  readonly streamDispatcher: StreamDispatcher = async (call: ApiCall, sink): Promise<StreamHandle> => {
    const minPosition = parseMinPosition(call.headers[MIN_POSITION_HEADER], MIN_POSITION_HEADER);
    const principal = await this.resolvePrincipal(call.headers, call.remoteAddress);
    await this.reachPosition(minPosition);
    // Refused here, before anything is streamed: the client gets the refusal as the HTTP status.
    await this.authorizeWatch(principal, call.method, call.request as Record<string, unknown>);
    const release = this.reserveForPrincipal(principal);
    let settle: (error: KeystreamError | undefined) => void = () => undefined;
    const done = new Promise<KeystreamError | undefined>((resolve) => {
      settle = resolve;
    });
    const watchSink: WatchSink = {
      send: (response) => sink.send(response),
      whenWritable: () => sink.whenWritable(),
      fail: (error) => {
        settle(error);
      },
    };
    let watch: WatchHandle;
    try {
      watch = this.options.engine.start(call.method, call.request as Record<string, unknown>, watchSink, principal);
    } catch (error) {
      release();
      throw error;
    }
    void watch.done.then(() => {
      settle(undefined);
    });
    void done.then(release);
    // A watch that fails before its first response (NOT_FOUND of a single watch) is answered as an HTTP error.
    return {
      done,
      close: () => {
        watch.close();
      },
    };
  };

  /**
   * Waits until the read model has `position` (a write the client made just before), so a watch
   * opened right after a write sees it: a single-resource watch finds what was just created, a
   * snapshot holds what was just acknowledged.
   */
  private async reachPosition(position: string | undefined): Promise<void> {
    if (position === undefined) return;
    if (this.options.awaitPosition === undefined) {
      throw new KeystreamError('UNIMPLEMENTED', `this gateway cannot wait for ${MIN_POSITION_HEADER}; open the watch without it`);
    }
    await this.options.awaitPosition(position);
  }

  /** Closes every socket (their watches end). */
  close(): void {
    if (this.stallTimer !== undefined) clearInterval(this.stallTimer);
    this.stallTimer = undefined;
    for (const ws of [...this.sockets]) {
      const connection = ws.getUserData();
      if (connection.closing !== undefined) {
        this.endClosing(ws);
        continue;
      }
      connection.closed = true;
      this.flush(ws);
      ws.end(CLOSE_GOING_AWAY, 'server shutting down: reconnect and resume');
    }
  }

  private ensureStallTimer(): void {
    if (this.stallTimer !== undefined) return;
    this.stallTimer = setInterval(() => {
      this.checkStalls();
    }, Math.max(50, Math.min(1000, this.stallTimeout / 4)));
    this.stallTimer.unref();
  }

  private checkStalls(): void {
    const now = Date.now();
    for (const ws of this.sockets) {
      const connection = ws.getUserData();
      if (connection.stalledSince !== 0 && now - connection.stalledSince > this.stallTimeout) this.closeTooSlow(ws, 'did not drain its buffer in time');
    }
    if (this.sockets.size === 0 && this.stallTimer !== undefined) {
      clearInterval(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  /**
   * Ends a socket whose client does not keep up, with 1013 ("try again later": reconnect and
   * resume). The close frame can only reach the client behind the bytes already buffered for it,
   * and uWS cuts a closing socket that does not drain within seconds (the client would see 1006).
   * So the socket's watches stop at once (nothing more is buffered), and the close frame is sent
   * when the buffer has drained — or after another stall timeout, for a client that never reads.
   */
  private closeTooSlow(ws: WebSocket<Connection>, why: string): void {
    const connection = ws.getUserData();
    if (connection.closed) return;
    this.slowClosures += 1;
    this.options.logger.warn({ remoteAddress: connection.remoteAddress, buffered: ws.getBufferedAmount(), why }, 'closing a watch socket: client too slow');
    connection.closed = true;
    for (const watch of connection.watches.values()) watch.close();
    connection.watches.clear();
    this.wake(connection);
    // What the watches sent before this goes out first; nothing is sent after it.
    this.flush(ws);
    const reason = 'client too slow: reconnect and resume';
    if (ws.getBufferedAmount() === 0) {
      ws.end(CLOSE_TOO_SLOW, reason);
      return;
    }
    const timer = setTimeout(() => {
      this.endClosing(ws);
    }, this.options.closeGraceMs ?? this.stallTimeout);
    timer.unref();
    connection.closing = { code: CLOSE_TOO_SLOW, reason, timer };
  }

  /** Sends the pending close of a socket closed for a slow reader. */
  private endClosing(ws: WebSocket<Connection>): void {
    const closing = ws.getUserData().closing;
    if (closing === undefined) return;
    ws.getUserData().closing = undefined;
    clearTimeout(closing.timer);
    this.flush(ws);
    ws.end(closing.code, closing.reason);
  }

  private onDrain(ws: WebSocket<Connection>): void {
    const connection = ws.getUserData();
    if (connection.closing !== undefined) {
      if (ws.getBufferedAmount() === 0) this.endClosing(ws);
      return;
    }
    if (this.bufferedOf(ws) <= this.soft) {
      connection.stalledSince = 0;
      this.wake(connection);
    }
  }

  /** What the socket holds that its client has not read: uWS's buffer and the outbox. */
  private bufferedOf(ws: WebSocket<Connection>): number {
    return ws.getBufferedAmount() + (ws.getUserData().outboxBytes ?? 0);
  }

  private wake(connection: Connection): void {
    const waiters = connection.writableWaiters;
    connection.writableWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private sendFrame(ws: WebSocket<Connection>, frame: Record<string, unknown>): boolean {
    if (ws.getUserData().closed) return true;
    const text = JSON.stringify(frame);
    return this.sendText(ws, text, Buffer.byteLength(text));
  }

  /**
   * Queues a frame of `bytes` bytes for the socket; false when the socket is above its soft limit
   * with it (the watch then waits for {@link whenWritable}).
   */
  private sendText(ws: WebSocket<Connection>, text: string, bytes: number): boolean {
    const connection = ws.getUserData();
    if (connection.closed) return true;
    const queued = connection.outboxBytes ?? 0;
    // Checked with this frame included, so what the socket buffers never exceeds the hard limit.
    if (ws.getBufferedAmount() + queued + bytes > this.hard) {
      this.closeTooSlow(ws, 'buffer would exceed the hard limit');
      return true;
    }
    (connection.outbox ??= []).push(text);
    connection.outboxBytes = queued + bytes;
    this.unflushed.add(ws);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the tick's fan-out: every watch woken by one batch has queued its frame by then.
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushAll();
      });
    }
    if (ws.getBufferedAmount() + connection.outboxBytes > this.soft) {
      if (connection.stalledSince === 0) connection.stalledSince = Date.now();
      return false;
    }
    return true;
  }

  private flushAll(): void {
    const sockets = [...this.unflushed];
    this.unflushed.clear();
    for (const ws of sockets) this.flush(ws);
  }

  /** Hands the socket's outbox to uWS in one corked write. */
  private flush(ws: WebSocket<Connection>): void {
    const connection = ws.getUserData();
    const frames = connection.outbox;
    if (frames === undefined || frames.length === 0) return;
    connection.outbox = [];
    connection.outboxBytes = 0;
    this.unflushed.delete(ws);
    // A socket uWS already closed cannot be written (its frames go nowhere, like its watches).
    if (!this.sockets.has(ws)) return;
    const outcome = { dropped: false };
    ws.cork(() => {
      for (const text of frames) if (ws.send(text, false) === 2) outcome.dropped = true;
    });
    this.writes.flushes += 1;
    this.writes.frames += frames.length;
    const buffered = ws.getBufferedAmount();
    if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
    // uWS dropped one: never let a client miss a frame silently.
    if (outcome.dropped) {
      this.closeTooSlow(ws, 'uWS dropped a frame');
      return;
    }
    // Over the soft limit only while queued (the kernel took it all): no drain event will come, so
    // the watches waiting on it go on now.
    if (buffered <= this.soft && connection.closing === undefined) {
      connection.stalledSince = 0;
      this.wake(connection);
    }
  }

  private onMessage(ws: WebSocket<Connection>, text: string): void {
    const connection = ws.getUserData();
    let frame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      this.sendFrame(ws, { id: frameIdOf(text), error: asError(error).toBody().error });
      return;
    }
    if (frame.kind === 'auth') {
      void this.authenticate(ws, connection, frame.token);
      return;
    }
    if (frame.kind === 'continue') {
      this.continueExchange(ws, connection, frame.id, frame.request);
      return;
    }
    if (frame.kind === 'cancel') {
      const exchange = connection.exchanges.get(frame.id);
      connection.exchanges.delete(frame.id);
      exchange?.abort.abort();
      const opening = connection.opening.get(frame.id);
      if (opening !== undefined) opening.cancelled = true;
      const watch = connection.watches.get(frame.id);
      connection.watches.delete(frame.id);
      watch?.close();
      this.sendFrame(ws, { id: frame.id, cancelled: true });
      return;
    }
    const { id } = frame;
    if (connection.watches.size + connection.opening.size >= this.maxPerSocket) {
      this.sendFrame(ws, { id, error: new KeystreamError('RESOURCE_EXHAUSTED', `this socket has ${this.maxPerSocket} watches open or opening, the most one socket may have; cancel some or open another socket`).toBody().error });
      return;
    }
    if (connection.watches.has(id) || connection.opening.has(id) || connection.exchanges.has(id)) {
      // Not `{id, error}`: that ends watch `id`, and the watch already running under it goes on.
      // The refusal names the id in `rejectedId` instead, where no client routes watch frames.
      this.sendFrame(ws, {
        id: null,
        rejectedId: id,
        error: new KeystreamError('ALREADY_EXISTS', `watch ${id} is already open on this socket, and goes on; open another watch under a new id, or cancel ${id} first`).toBody().error,
      });
      return;
    }
    const exchangeMethod = this.options.exchanges?.methods.get(frame.method);
    const method = exchangeMethod === undefined ? undefined : METHODS.find((candidate) => candidate.name === frame.method);
    if (exchangeMethod !== undefined && method !== undefined) {
      // The socket's credentials are in use from now on: an {auth} frame may not change them.
      connection.watched = true;
      connection.exchanges.set(id, { method, carriedHeaders: exchangeMethod.carriedHeaders, carried: {}, routed: undefined, busy: false, abort: new AbortController() });
      this.continueExchange(ws, connection, id, frame.request);
      return;
    }
    const opening = { cancelled: false };
    connection.watched = true;
    connection.opening.set(id, opening);
    void this.open(ws, connection, id, frame.method, frame.request, opening, frame.minPosition)
      .catch((error: unknown) => {
        if (!opening.cancelled) this.sendFrame(ws, { id, error: asError(error).toBody().error });
      })
      .finally(() => connection.opening.delete(id));
  }

  /**
   * `{"auth": "<token>"}`: sets the socket's credentials before any watch opens (browsers cannot set
   * headers on a WebSocket). The token is authenticated by the same resolver as a header; the answer
   * is `{"id": null, "authenticated": {"subject"}}` or `{"id": null, "error"}` (UNAUTHENTICATED; the
   * socket keeps its previous credentials and may try again).
   */
  private async authenticate(ws: WebSocket<Connection>, connection: Connection, token: string): Promise<void> {
    try {
      if (connection.watched) throw KeystreamError.invalidArgument([{ field: 'auth', description: 'send {"auth"} before the first watch; open another socket to change credentials' }]);
      const headers = { ...connection.headers, authorization: `Bearer ${token}` };
      // Both can change while the token is checked (a close, a watch frame).
      const closed = (): boolean => connection.closed;
      const watched = (): boolean => connection.watched;
      const principal = await this.resolvePrincipal(headers, connection.remoteAddress);
      if (closed()) return;
      if (watched()) throw KeystreamError.invalidArgument([{ field: 'auth', description: 'a watch opened while the token was checked; open another socket to change credentials' }]);
      connection.headers['authorization'] = headers.authorization;
      this.sendFrame(ws, { id: null, authenticated: { subject: principal.subject } });
    } catch (error) {
      this.sendFrame(ws, { id: null, error: asError(error).toBody().error });
    }
  }

  /** Handles the next client message of exchange `id`: one unary call, one response frame. */
  private continueExchange(ws: WebSocket<Connection>, connection: Connection, id: string, wire: unknown): void {
    const exchange = connection.exchanges.get(id);
    const dispatch = this.options.exchanges?.dispatch;
    if (exchange === undefined || dispatch === undefined) {
      this.sendFrame(ws, { id, error: KeystreamError.invalidArgument([{ field: 'id', description: `no exchange ${id} is open on this socket: open one with {"id", "method", "request"}` }]).toBody().error });
      return;
    }
    if (exchange.busy) {
      this.sendFrame(ws, { id, error: new KeystreamError('FAILED_PRECONDITION', `exchange ${id} is still answering the previous message: wait for its response`).toBody().error });
      return;
    }
    exchange.busy = true;
    const ended = (): boolean => connection.closed || connection.exchanges.get(id) !== exchange;
    void (async () => {
      const request = decodeMessage(exchange.method.requestType as MessageName, wire) as Record<string, unknown>;
      if (exchange.routed === undefined) exchange.routed = routedFieldsOf(exchange.method, request);
      else for (const field of exchange.routed) setIfAbsent(request, field.path, field.value);
      const result = await dispatch({ method: exchange.method, request, headers: { ...connection.headers, ...exchange.carried }, remoteAddress: connection.remoteAddress, signal: exchange.abort.signal });
      if (ended()) return;
      const carried: Record<string, string> = {};
      for (const name of exchange.carriedHeaders) {
        const value = result.headers?.[name];
        if (value !== undefined) carried[name] = value;
      }
      exchange.carried = carried;
      exchange.busy = false;
      this.sendFrame(ws, { id, response: encodeMessage(exchange.method.responseType as MessageName, result.response as never) });
      if (Object.keys(carried).length === 0) {
        connection.exchanges.delete(id);
        this.sendFrame(ws, { id, completed: true });
      }
    })().catch((error: unknown) => {
      if (ended()) return;
      connection.exchanges.delete(id);
      this.sendFrame(ws, { id, error: asError(error).toBody().error });
    });
  }

  private async open(
    ws: WebSocket<Connection>,
    connection: Connection,
    id: string,
    methodName: string,
    wire: unknown,
    opening: { readonly cancelled: boolean },
    framePosition: string | undefined,
  ): Promise<void> {
    const method = STREAM_METHODS.get(methodName);
    if (method === undefined) throw KeystreamError.invalidArgument([{ field: 'method', description: `${methodName} is not a Watch method of the contract` }]);
    const request = decodeMessage(method.requestType as MessageName, wire) as Record<string, unknown>;
    // Both can change while resolution and authorization are awaited (a cancel frame, a close).
    const abandoned = (): boolean => connection.closed || opening.cancelled;
    // The frame's own position, else the one the socket was opened with (the upgrade request's header).
    const minPosition = framePosition ?? parseMinPosition(connection.headers[MIN_POSITION_HEADER], MIN_POSITION_HEADER);
    const resolved = await this.resolvePrincipal(connection.headers, connection.remoteAddress);
    if (abandoned()) return;
    const principal = connection.principal?.subject === resolved.subject ? connection.principal : resolved;
    connection.principal = principal;
    await this.reachPosition(minPosition);
    if (abandoned()) return;
    await this.authorizeWatch(principal, method, request);
    if (abandoned()) return;
    const release = this.reserveForPrincipal(principal);
    // The sink releases the reservation when the watch ends (WatchSink.ended).
    const sink = new WatchFrameSink(this.outlet, ws, connection, id, method.responseType as MessageName, release);
    let handle: WatchHandle;
    try {
      handle = this.options.engine.start(method, request, sink, principal);
    } catch (error) {
      release();
      throw error;
    }
    sink.handle = handle;
    connection.watches.set(id, handle);
  }
}
