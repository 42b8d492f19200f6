/**
 * The public HTTP/1.1 listener: Node's own HTTP parser (node:http, llhttp) carrying the REST edge
 * ({@link RestEdge}), with WebSocket upgrades handed to whoever serves them (the watch gateway's
 * bridge).
 *
 * Node's parser was chosen over uWebSockets.js' for the public port because its limits are
 * configurable and every refusal is answered (docs/security.md, "HTTP parser"): a head over the
 * limits is 431/414, an unknown method 501, Content-Length with Transfer-Encoding 400 — nothing is
 * closed without an answer. This module only adapts node:http to {@link EdgeExchange}.
 */
import { createServer, ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KeystreamError } from '@keystream/api';
import { errorAnswer, RestEdge, type EdgeExchange, type RestEdgeOptions } from './restEdge.js';
import { MAX_HEADER_COUNT, PARSER_MAX_HEAD_BYTES, parserRefusal, requestHeadOf, type RequestHead } from './requestHead.js';

export { IGNORED_FIELDS_HEADER, type PlainAnswer, type PlainRoute } from './restEdge.js';
export { MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URL_BYTES, PARSER_MAX_HEAD_BYTES, type RequestHead } from './requestHead.js';

/**
 * Takes over an upgrade request whose head passed every check of the edge. `socket` is the
 * client's connection (nothing has been answered on it yet), `early` the bytes the client sent
 * after the head.
 */
export type UpgradeHandler = (head: RequestHead, socket: Duplex, early: Buffer) => void;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions extends RestEdgeOptions {
  /** WebSocket upgrades by exact path (the watch gateway's bridge on /v1/watch). */
  readonly upgrades?: Readonly<Record<string, UpgradeHandler>>;
}

/** A listening server. */
export interface RunningHttpServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections, waits (bounded) for in-flight requests, then closes. */
  close(drainMilliseconds?: number): Promise<void>;
}

/** After refusing a request whose body was not read, how long the client may go on sending before its connection is cut. */
const UNREAD_BODY_GRACE_MS = 2_000;

function addressInUse(host: string, port: number, why: string): Error {
  return Object.assign(new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${why}`), { code: 'EADDRINUSE' });
}

/** Writes a whole HTTP/1.1 answer on a socket the HTTP server no longer manages, and closes it. */
function answerRaw(socket: Duplex, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', '');
  socket.end(lines.join('\r\n') + body);
  // The client may still be sending what was refused: read it for a while (so the answer is not
  // lost to a reset), then cut.
  socket.on('error', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), UNREAD_BODY_GRACE_MS).unref();
}

/** The exchange whose body is being read on each connection, for a parser refusal of that body. */
const bodiesBeingRead = new WeakMap<object, NodeExchange>();

/** Calls `then` once no response is being written on `socket` (node:http attaches the one it writes as `_httpMessage`). */
function whenAnswered(socket: Duplex, then: () => void): void {
  const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (current === undefined || current === null) {
    then();
    return;
  }
  current.once('close', () => {
    // The next queued response, if any, is attached after this one's close.
    setImmediate(() => {
      whenAnswered(socket, then);
    });
  });
}

/** {@link EdgeExchange} over node:http. */
class NodeExchange implements EdgeExchange {
  aborted = false;
  private readonly abortedCallbacks: (() => void)[] = [];
  /** The parser has read the whole body (its events may still be on their way). */
  get bodyComplete(): boolean {
    return this.request.complete;
  }

  /** Ends the body being read with the parser's refusal of it. */
  failBody: (error: KeystreamError) => void = () => undefined;

  constructor(
    readonly head: RequestHead,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly closing: () => boolean,
    /** The request carries no body (an upgrade answered as an ordinary request). */
    private readonly bodiless = false,
  ) {
    response.on('close', () => {
      if (response.writableFinished) return;
      this.aborted = true;
      for (const callback of this.abortedCallbacks.splice(0)) callback();
    });
  }

  readBody(limit: number): Promise<Buffer | 'too-large'> {
    if (this.bodiless) return Promise.resolve(Buffer.alloc(0));
    const declared = Number(this.head.headers['content-length'] ?? '0');
    if (declared > limit) return Promise.resolve(this.refuseBody());
    return new Promise((resolve, reject) => {
      const socket = this.request.socket;
      const stopReading = (): void => {
        this.request.off('data', onData);
        this.request.off('end', onEnd);
        if (bodiesBeingRead.get(socket) === this) bodiesBeingRead.delete(socket);
      };
      // The parser may refuse the body (a bad chunk): the refusal is this request's answer.
      this.failBody = (error: KeystreamError): void => {
        stopReading();
        this.response.setHeader('connection', 'close');
        reject(error);
      };
      bodiesBeingRead.set(socket, this);
      const chunks: Buffer[] = [];
      let received = 0;
      const onData = (chunk: Buffer): void => {
        received += chunk.byteLength;
        if (received > limit) {
          stopReading();
          resolve(this.refuseBody());
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => {
        stopReading();
        resolve(Buffer.concat(chunks, received));
      };
      this.request.on('data', onData);
      this.request.on('end', onEnd);
      // The client left mid-body: nothing will be answered (aborted), but the work must end.
      this.request.on('error', () => {
        resolve(Buffer.alloc(0));
      });
    });
  }

  /** The body is over the limit: the answer closes the connection, the rest is read and dropped for a while. */
  private refuseBody(): 'too-large' {
    this.response.setHeader('connection', 'close');
    this.request.resume();
    this.response.on('finish', () => {
      setTimeout(() => this.request.socket.destroy(), UNREAD_BODY_GRACE_MS).unref();
    });
    return 'too-large';
  }

  respond(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void {
    this.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    // Node leaves the body out of an answer to HEAD by itself.
    this.response.end(body);
  }

  startStream(status: number, headers: Readonly<Record<string, string>>): void {
    this.writeHead(status, headers);
    // The head goes out now, not with the first line: a client sees the stream has started.
    this.response.flushHeaders();
  }

  private writeHead(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.closing()) this.response.setHeader('connection', 'close');
    for (const [name, value] of Object.entries(headers)) this.response.setHeader(name, value);
    this.response.writeHead(status);
  }

  write(chunk: string): boolean {
    return this.response.write(chunk);
  }

  end(chunk: string): void {
    this.response.end(chunk);
  }

  onWritable(callback: () => void): void {
    this.response.on('drain', callback);
  }

  onAborted(callback: () => void): void {
    if (this.aborted) callback();
    else this.abortedCallbacks.push(callback);
  }
}

/** Starts the REST edge on host:port (port 0 picks a free one). */
export async function startHttpServer(host: string, port: number, options: HttpServerOptions): Promise<RunningHttpServer> {
  const edge = new RestEdge(options);
  const server = createServer({
    maxHeaderSize: PARSER_MAX_HEAD_BYTES,
    // Checked by the edge, answered in JSON like every other refusal.
    requireHostHeader: false,
    // A (slow) client gets this long to send its whole head.
    headersTimeout: 30_000,
  });
  // Node drops header fields past this count; the edge refuses more than MAX_HEADER_COUNT, so it
  // must see at least one more than that.
  server.maxHeadersCount = MAX_HEADER_COUNT * 2;

  const headOf = (request: IncomingMessage): RequestHead =>
    requestHeadOf(request.method ?? '', request.url ?? '', request.rawHeaders, request.httpVersion, request.socket.remoteAddress ?? '');

  // A connection without a request in flight (idle between keep-alive requests, or opened ahead
  // by a client's pool) does not keep the process alive: the listener does, until it closes. One
  // with a request in flight does. (uWS, which served REST before, held no Node handle at all for
  // its connections.)
  server.on('connection', (socket: Socket) => {
    socket.unref();
  });
  const inFlightOn = new WeakMap<Socket, number>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const before = inFlightOn.get(socket) ?? 0;
    inFlightOn.set(socket, before + 1);
    if (before === 0) socket.ref();
    response.once('close', () => {
      const left = (inFlightOn.get(socket) ?? 1) - 1;
      inFlightOn.set(socket, left);
      if (left === 0) socket.unref();
    });
    edge.serve(new NodeExchange(headOf(request), request, response, () => !edge.accepting));
  });

  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const refusal = parserRefusal(error.code, error.reason);
    const reading = bodiesBeingRead.get(socket);
    // A body the parser finished is not what it refused: the refusal is of a later (pipelined) request.
    if (reading !== undefined && !reading.bodyComplete) {
      reading.failBody(refusal);
      return;
    }
    const { status, headers, body } = errorAnswer(refusal);
    options.onRequestFinished?.({ method: undefined, status, seconds: 0 });
    // Pipelined requests parsed before the bad one are answered first, in order.
    whenAnswered(socket, () => {
      answerRaw(socket, status, headers, body);
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, early: Buffer) => {
    const head = headOf(request);
    const refuse = (error: KeystreamError): void => {
      const answer = errorAnswer(error);
      options.onRequestFinished?.({ method: undefined, status: answer.status, seconds: 0 });
      answerRaw(socket, answer.status, answer.headers, answer.body);
    };
    const handler = options.upgrades?.[head.path];
    if (head.headProblem !== undefined) refuse(head.headProblem);
    else if (handler !== undefined && request.headers.upgrade?.toLowerCase() === 'websocket') {
      if (!edge.accepting) refuse(new KeystreamError('UNAVAILABLE', 'keystream is shutting down; reconnect to another instance'));
      else handler(head, socket, early);
    } else if (head.headers['content-length'] !== undefined || head.headers['transfer-encoding'] !== undefined) {
      refuse(KeystreamError.invalidArgument([{ field: 'Upgrade', description: `no upgrade is served at ${head.path}; send the request without Upgrade` }]));
    } else {
      // An upgrade nothing here serves (h2c, or a WebSocket elsewhere) is ignored, as RFC 9110
      // §7.8 allows: the request is answered as an ordinary one (it has no body), then the
      // connection closes.
      serveIgnoringUpgrade(edge, head, request, socket);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? addressInUse(host, port, 'the address is in use by another process') : error);
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => {
        options.logger.error({ error }, 'the HTTP server failed');
      });
      resolve();
    });
  });
  const address = server.address();

  return {
    host,
    port: typeof address === 'object' && address !== null ? address.port : port,
    async close(drainMilliseconds = 10_000): Promise<void> {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await edge.close(drainMilliseconds);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Answers a request that asked for an upgrade no one serves, as an ordinary request without a body. */
function serveIgnoringUpgrade(edge: RestEdge, head: RequestHead, request: IncomingMessage, socket: Duplex): void {
  // node:http hands upgrades a net.Socket; anything else cannot carry a ServerResponse.
  if (!(socket instanceof Socket)) {
    socket.destroy();
    return;
  }
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  response.on('finish', () => {
    response.detachSocket(socket);
    socket.end();
  });
  socket.on('error', () => undefined);
  edge.serve(new NodeExchange(head, request, response, () => true, true));
}
