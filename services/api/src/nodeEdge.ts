/**
 * The public HTTP edge on node:http. Its parser (llhttp) takes heads of any size up to a limit it
 * is told, however many reads they arrive in, many header fields, and every method it knows; what
 * it refuses it reports, and the edge answers (400, 405, 414, 431) instead of closing silently.
 * Contract requests are served here; WebSocket upgrades and the paths the uWS app serves (the
 * console) go to that app on loopback.
 */
import { createServer, request as forwardRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KeystreamError } from '@keystream/api';
import { isEdgeHeader, peerOf, plainAddress } from './edgePeer.js';
import { errorAnswer, MAX_HEADER_BYTES, MAX_URL_BYTES, readRequestHead, statusLine, type RequestHead, type RestExchange, type RestHandler } from './restHandler.js';
import { createUpgradeBridge } from './upgradeBridge.js';

/** What llhttp may buffer of one head: the URL and header limits and room for the request line. */
const PARSER_HEAD_LIMIT = MAX_URL_BYTES + MAX_HEADER_BYTES + 1024;

export interface NodeEdgeOptions {
  readonly handler: RestHandler;
  /** The uWS app's loopback port, for upgrades and the paths the contract does not serve; undefined when none runs. */
  readonly upstreamPort: number | undefined;
  /** Paths served by the handler itself besides `/v1/…` (health, metrics). */
  readonly ownPaths: ReadonlySet<string>;
  /** A WebSocket message declared larger than this is closed with 1009 at the edge. */
  readonly maxWebSocketMessageBytes: number;
}

export interface NodeEdge {
  readonly server: Server;
  /** Cuts every connection (after the handler drained). */
  /**
   * Ends every connection: bridged WebSockets get up to `graceMilliseconds` to pass on the close
   * frames already sent to them and connections already ending to flush; the rest are cut.
   */
  closeConnections(graceMilliseconds: number): Promise<void>;
}

/** A request's head as checked, and its URL split once. */
interface Head extends RequestHead {
  readonly path: string;
  readonly query: string;
}

function readHead(request: IncomingMessage): Head {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const raw = request.rawHeaders;
  const checked = readRequestHead((visit) => {
    for (let index = 0; index + 1 < raw.length; index += 2) visit((raw[index] as string).toLowerCase(), raw[index + 1] as string);
  }, url.length);
  return { ...checked, path: queryStart < 0 ? url : url.slice(0, queryStart), query: queryStart < 0 ? '' : url.slice(queryStart + 1) };
}

/** A raw error answer for a connection the parser gave up on (or an upgrade refused before bridging). */
function rawAnswer(socket: Duplex, error: KeystreamError): void {
  const { status, headers, body } = errorAnswer(error);
  const lines = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${statusLine(status)}\r\n${lines.join('')}\r\n${body}`);
}

/** What the parser's complaint means for the client. */
function parserRefusal(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): KeystreamError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      // A request line that alone fills what the parser holds is a URL too long, not too many headers.
      const packet = error.rawPacket;
      const requestLineEnds = packet === undefined ? -1 : packet.indexOf('\r\n');
      if (packet !== undefined && (requestLineEnds < 0 || requestLineEnds > MAX_URL_BYTES) && /^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) {
        return new KeystreamError('INVALID_ARGUMENT', `request URL over ${MAX_URL_BYTES} bytes (send long values in a POST body)`, [], { httpStatus: 414 });
      }
      return new KeystreamError('INVALID_ARGUMENT', `request head over ${MAX_HEADER_BYTES} bytes of headers`, [], { httpStatus: 431 });
    }
    case 'HPE_INVALID_METHOD':
      return new KeystreamError('INVALID_ARGUMENT', 'unknown HTTP method; keystream serves GET, POST, PUT, PATCH, DELETE and HEAD', [], { httpStatus: 405, headers: { allow: 'GET, POST, PUT, PATCH, DELETE, HEAD' } });
    case 'HPE_HEADER_TIMEOUT':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new KeystreamError('DEADLINE_EXCEEDED', 'the request did not arrive in time', [], { httpStatus: 408 });
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return new KeystreamError('INVALID_ARGUMENT', 'Content-Length given with Transfer-Encoding, or given more than once with different values; send one');
    default:
      return new KeystreamError('INVALID_ARGUMENT', `malformed HTTP request (${error.code ?? 'parse error'})`);
  }
}

function nodeExchange(request: IncomingMessage, response: ServerResponse, head: Head): RestExchange {
  let writableListener: (() => void) | undefined;
  const writeHead = (status: number, headers: Readonly<Record<string, string>>): void => {
    response.writeHead(status, headers);
  };
  return {
    httpMethod: (request.method ?? 'GET').toUpperCase(),
    path: head.path,
    query: head.query,
    headers: head.headers,
    remoteAddress: peerOf(head.headers, plainAddress(request.socket.remoteAddress)),
    headProblem: head.problem,
    onAborted(listener) {
      response.on('close', () => {
        if (!response.writableFinished) listener();
      });
    },
    readBody(maxBytes, done) {
      const chunks: Buffer[] = [];
      let received = 0;
      let finished = false;
      request.on('data', (chunk: Buffer) => {
        if (finished) return;
        received += chunk.length;
        if (received > maxBytes) {
          finished = true;
          // The rest of an oversized body is not read: the connection closes after the answer.
          response.shouldKeepAlive = false;
          done(undefined);
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => {
        if (finished) return;
        finished = true;
        done(Buffer.concat(chunks));
      });
    },
    answer(answerHead, body, withoutBody) {
      writeHead(answerHead.status, { ...answerHead.headers, 'content-length': String(Buffer.byteLength(body)) });
      if (withoutBody) response.end();
      else response.end(body);
    },
    writePart(answerHead, part) {
      if (answerHead !== undefined) writeHead(answerHead.status, answerHead.headers);
      return response.write(part);
    },
    endParts(answerHead, last) {
      if (answerHead !== undefined) writeHead(answerHead.status, answerHead.headers);
      response.end(last);
    },
    onWritable(listener) {
      if (writableListener !== undefined) response.off('drain', writableListener);
      writableListener = listener;
      response.on('drain', listener);
    },
  };
}

/** Paths of the contract's REST bindings: `/v1/…` and the custom methods at the root, `/v1:…`. */
function isContractPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/') || path.startsWith('/v1:');
}

/** Passes a request the uWS app serves (the console) to it, and its answer back. */
function forwardToUpstream(request: IncomingMessage, response: ServerResponse, upstreamPort: number, head: Head): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(head.headers)) if (!isEdgeHeader(name)) headers[name] = value;
  const upstream = forwardRequest({ host: '127.0.0.1', port: upstreamPort, method: request.method, path: request.url, headers }, (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
  });
  // A client that leaves ends the forwarded request too.
  response.on('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  upstream.on('error', () => {
    if (!response.headersSent) {
      const { status, headers: errorHeaders, body } = errorAnswer(new KeystreamError('UNAVAILABLE', 'the console is not reachable right now; retry'));
      response.writeHead(status, errorHeaders).end(body);
    } else {
      response.destroy();
    }
  });
  request.pipe(upstream);
}

export function createNodeEdge(options: NodeEdgeOptions): NodeEdge {
  const bridge = options.upstreamPort === undefined ? undefined : createUpgradeBridge(options.upstreamPort, options.maxWebSocketMessageBytes);
  const server = createServer({ maxHeaderSize: PARSER_HEAD_LIMIT, joinDuplicateHeaders: false }, (request, response) => {
    const head = readHead(request);
    if (options.upstreamPort !== undefined && head.problem === undefined && !isContractPath(head.path) && !options.ownPaths.has(head.path)) {
      forwardToUpstream(request, response, options.upstreamPort, head);
      return;
    }
    options.handler.handle(nodeExchange(request, response, head));
  });
  // Header fields are counted (and refused over the limit) by the edge itself, not dropped silently.
  server.maxHeadersCount = 0;
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    rawAnswer(socket, parserRefusal(error));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const checked = readHead(request);
    if (checked.problem !== undefined) {
      rawAnswer(socket, checked.problem);
      return;
    }
    if (bridge === undefined) {
      rawAnswer(socket, new KeystreamError('NOT_FOUND', 'no WebSocket endpoint is served here'));
      return;
    }
    bridge.bridge(request, socket, head);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    // The listening server keeps the process alive; an idle keep-alive connection does not (as
    // with uWS, whose sockets live outside Node's loop). close() still ends every one of them.
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    server,
    async closeConnections(graceMilliseconds) {
      const deadline = Date.now() + graceMilliseconds;
      await bridge?.closeAll(graceMilliseconds);
      const ending = [...sockets].filter((socket) => socket.writableEnded && !socket.destroyed);
      for (const socket of sockets) if (!ending.includes(socket)) socket.destroy();
      await Promise.all(
        ending.map(
          (socket) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                socket.destroy();
                resolve();
              }, Math.max(0, deadline - Date.now()));
              socket.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
    },
  };
}
