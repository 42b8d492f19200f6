/**
 * The REST edge on uWebSockets.js: every route of the contract, one JSON error model.
 *
 * A request is matched to its method, its body read (bounded), transcoded and validated; the
 * decoded request goes to the dispatcher (the command/query core), and the dispatcher's result is
 * encoded back to the wire format. Errors become `{"error": {...}}` with the status of their code.
 * Nothing a caller sends can produce a stack trace: unexpected failures are answered with a
 * generic INTERNAL error carrying an id, and logged with that id.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { createServer } from 'node:net';
import { encodedOnce, encodeMessage, isKeystreamError, KeystreamError, type MessageName } from '@keystream/api';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { ApiDispatcher, StreamDispatcher, StreamHandle } from './edgeContract.js';
import { loadNativeUws } from './nativeUws.js';
import { transcodeRequest } from './requestTranscoder.js';
import { RouteTable, type RouteMatch } from './routeTable.js';
import type { Logger } from '@keystream/kernel';

export interface HttpServerOptions {
  readonly dispatcher: ApiDispatcher;
  /** Where the edge reports failures it could not attribute to the caller. */
  readonly logger: Pick<Logger, 'error'>;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called once per answered request, for metrics. `method` is the RPC name, or undefined when no route matched. */
  readonly onRequestFinished?: (outcome: { readonly method: string | undefined; readonly status: number; readonly seconds: number }) => void;
  /** Extra handlers (health, metrics, links in mails) mounted before the contract's routes, by exact path. */
  readonly extraGetRoutes?: Readonly<Record<string, (request: { readonly query: string }) => PlainAnswer | Promise<PlainAnswer>>>;
  /** Serves stream methods as NDJSON over HTTP; without it they answer UNIMPLEMENTED. */
  readonly streamDispatcher?: StreamDispatcher;
  /** Mounts more handlers on the same app (e.g. the watch gateway's WebSocket route) before the contract's routes. */
  readonly configureApp?: (app: TemplatedApp) => void;
}

/** A non-contract answer (health, metrics). */
export interface PlainAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A listening server. */
export interface RunningHttpServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections, waits (bounded) for in-flight requests, then closes. */
  close(drainMilliseconds?: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Longest request URL (path and query) answered; longer is 414 (docs/security.md, "Limits"). */
export const MAX_URL_BYTES = 8 * 1024;
/** Largest header block answered; larger is 431 (docs/security.md, "Limits"). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Headers that must appear at most once. */
const SINGLE_HEADERS = ['content-length', 'authorization', 'host', 'transfer-encoding', 'content-type', 'x-request-id'] as const;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const NDJSON_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

/** Response header naming the request fields keystream ignored because the contract has no such field. */
export const IGNORED_FIELDS_HEADER = 'x-keystream-ignored-fields';

/** At most this many ignored names are echoed, each cut to a bounded length (the header stays small). */
const MAX_IGNORED_NAMES = 32;
const MAX_IGNORED_NAME_LENGTH = 128;

function ignoredFieldsHeader(ignoredFields: readonly string[]): Record<string, string> {
  // Names come from the caller: only header-safe characters are echoed.
  const names = [...new Set(ignoredFields.map((name) => name.slice(0, MAX_IGNORED_NAME_LENGTH).replace(/[^\x21-\x7e]/g, '?')))];
  if (names.length === 0) return {};
  const shown = names.slice(0, MAX_IGNORED_NAMES);
  const more = names.length - shown.length;
  return { [IGNORED_FIELDS_HEADER]: more > 0 ? `${shown.join(', ')}, ... (${more} more)` : shown.join(', ') };
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

interface Outgoing {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function errorOutgoing(error: KeystreamError): Outgoing {
  return { status: error.httpStatus, headers: { ...error.headers, 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(error.toBody()) };
}

/** The parts of a uWS request that must be copied before the handler returns (uWS reuses them). */
interface CapturedRequest {
  readonly httpMethod: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
  /** What is wrong with the request head itself (answered before routing), if anything. */
  readonly headProblem?: KeystreamError | undefined;
}

/** uWS's getQuery() returns undefined when the URL has no query, whatever its declared type says. */
function orEmpty(value: string | undefined): string {
  return value ?? '';
}

function capture(response: HttpResponse, request: HttpRequest): CapturedRequest {
  const headers: Record<string, string> = {};
  const duplicated = new Set<string>();
  let headerBytes = 0;
  request.forEach((name, value) => {
    if (Object.hasOwn(headers, name)) duplicated.add(name);
    headers[name] = value;
    headerBytes += name.length + value.length + 4;
  });
  const path = request.getUrl();
  const query = orEmpty(request.getQuery());
  return {
    httpMethod: request.getMethod().toUpperCase(),
    path,
    query,
    headers,
    remoteAddress: Buffer.from(response.getRemoteAddressAsText()).toString(),
    headProblem: headProblemOf(path.length + query.length + 1, headerBytes, duplicated, headers),
  };
}

/** uWS's `ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT` (the package declares it as a non-const enum only). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** The native listen(host, port, options, cb), which the package's declarations leave out. */
interface ListenWithOptions {
  listen(host: string, port: number, options: number, callback: (socket: us_listen_socket | false) => void): unknown;
}

function addressInUse(host: string, port: number, why: string): Error {
  return Object.assign(new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${why}`), { code: 'EADDRINUSE' });
}

/**
 * Refuses a busy address before uWS binds it. uWS's exclusive bind does not notice an earlier
 * socket that itself allowed sharing (SO_REUSEPORT, as uWS sets by default); a plain bind does.
 * Any overlap counts: 0.0.0.0 or :: held elsewhere makes 127.0.0.1 busy, and the other way round.
 */
function assertAddressFree(host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(addressInUse(host, port, 'the address is in use by another process'));
      // Anything else (not permitted, no such address) is for uWS's own bind to report.
      else resolve();
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => {
        resolve();
      });
    });
  });
}

/**
 * Refusals of a request head that the HTTP parser let through: a URL or header block over the
 * documented limits (414, 431), a header that must appear once given twice (400: two
 * Content-Lengths are a request-smuggling vector, two Authorizations an ambiguity about who
 * calls), and Content-Length together with Transfer-Encoding.
 */
function headProblemOf(urlBytes: number, headerBytes: number, duplicated: ReadonlySet<string>, headers: Readonly<Record<string, string>>): KeystreamError | undefined {
  if (urlBytes > MAX_URL_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request URL is ${urlBytes} bytes; at most ${MAX_URL_BYTES} are accepted (send long values in a POST body)`, [], { httpStatus: 414 });
  }
  if (headerBytes > MAX_HEADER_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request headers are ${headerBytes} bytes; at most ${MAX_HEADER_BYTES} are accepted`, [], { httpStatus: 431 });
  }
  for (const name of SINGLE_HEADERS) {
    if (duplicated.has(name)) return new KeystreamError('INVALID_ARGUMENT', `header ${name} given more than once; it must appear once`);
  }
  if (headers['content-length'] !== undefined && headers['transfer-encoding'] !== undefined) {
    return new KeystreamError('INVALID_ARGUMENT', 'both Content-Length and Transfer-Encoding given; send one');
  }
  return undefined;
}

/** Starts the REST edge on host:port (port 0 picks a free one). */
export async function startHttpServer(host: string, port: number, options: HttpServerOptions): Promise<RunningHttpServer> {
  const uws = loadNativeUws();
  const routes = new RouteTable();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const inFlight = new Set<Promise<void>>();
  const streams = new Set<StreamHandle>();
  let accepting = true;

  const send = (response: HttpResponse, aborted: { value: boolean }, outgoing: Outgoing, started: bigint, method?: string, head = false): void => {
    options.onRequestFinished?.({ method, status: outgoing.status, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    if (aborted.value) return;
    response.cork(() => {
      response.writeStatus(statusLine(outgoing.status));
      for (const [name, value] of Object.entries(outgoing.headers)) response.writeHeader(name, value);
      if (head) response.endWithoutBody(Buffer.byteLength(outgoing.body));
      else response.end(outgoing.body);
    });
  };

  const internalError = (error: unknown, captured: CapturedRequest): KeystreamError => {
    const incident = randomUUID();
    options.logger.error({ incident, method: captured.httpMethod, path: captured.path, error }, 'request failed unexpectedly');
    return new KeystreamError('INTERNAL', `internal error; quote incident ${incident} when reporting it`);
  };

  /**
   * A stream method as NDJSON: the status line and headers go out with the first response, so a
   * stream that fails before it produces anything is answered as an ordinary error. Slow clients
   * are handled with uWS's write/onWritable backpressure. Lines are framed as grpc-gateway frames
   * them: `{"result": <response>}`, and a failure after the first line ends the stream with a last
   * `{"error": <google.rpc.Status>}` line.
   */
  const stream = async (
    response: HttpResponse,
    aborted: { value: boolean },
    captured: CapturedRequest,
    match: RouteMatch,
    request: unknown,
    abort: AbortController,
    started: bigint,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<Outgoing | undefined> => {
    const dispatcher = options.streamDispatcher;
    if (dispatcher === undefined) {
      throw new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams over the watch gateway; this process does not run one`);
    }
    // `writable` is false from a write uWS had to buffer until its onWritable: a waiter must not
    // wait for a drain that already happened.
    const state = { headersSent: false, writable: true };
    let writableWaiters: (() => void)[] = [];
    const wakeWriters = (): void => {
      const waiters = writableWaiters;
      writableWaiters = [];
      for (const waiter of waiters) waiter();
    };
    const write = (line: string): boolean => {
      if (aborted.value) return true;
      const written = { ok: true };
      response.cork(() => {
        if (!state.headersSent) {
          state.headersSent = true;
          response.writeStatus(statusLine(200)).writeHeader('content-type', NDJSON_CONTENT_TYPE);
          for (const [name, value] of Object.entries(extraHeaders)) response.writeHeader(name, value);
        }
        written.ok = response.write(line);
      });
      if (!written.ok) state.writable = false;
      return written.ok;
    };
    response.onWritable(() => {
      state.writable = true;
      wakeWriters();
      return true;
    });
    const handle = await dispatcher(
      { method: match.method, request, headers: captured.headers, remoteAddress: captured.remoteAddress, signal: abort.signal },
      {
        // grpc-gateway's framing of a server stream: one `{"result": <response>}` per line.
        send: (message) =>
          // A fan-out group hands one response object to all its watches: its line is encoded once.
          write(encodedOnce(message as object, `ndjson:${match.method.responseType}`, () => `${JSON.stringify({ result: encodeMessage(match.method.responseType as MessageName, message as never) })}\n`)),
        whenWritable: () =>
          aborted.value || state.writable
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                writableWaiters.push(resolve);
              }),
      },
    );
    streams.add(handle);
    abort.signal.addEventListener('abort', () => {
      handle.close();
      wakeWriters();
    });
    const done = await handle.done;
    // A stream the server ends because it is shutting down did not end by itself: say so, in the
    // same last-line form as any failure, so a client knows to reconnect (and resume) elsewhere.
    const failure = done ?? (accepting ? undefined : new KeystreamError('UNAVAILABLE', 'keystream is shutting down; reconnect (to another instance) and resume'));
    streams.delete(handle);
    wakeWriters();
    if (!state.headersSent && failure !== undefined) return errorOutgoing(failure);
    options.onRequestFinished?.({ method: match.method.name, status: 200, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    if (aborted.value) return undefined;
    response.cork(() => {
      if (!state.headersSent) {
        response.writeStatus(statusLine(200)).writeHeader('content-type', NDJSON_CONTENT_TYPE);
        for (const [name, value] of Object.entries(extraHeaders)) response.writeHeader(name, value);
      }
      response.end(failure === undefined ? '' : `${JSON.stringify({ error: failure.toStatus() })}\n`);
    });
    return undefined;
  };

  const handle = async (captured: CapturedRequest, match: RouteMatch, body: Buffer, abort: AbortController): Promise<Outgoing> => {
    const ignoredFields: string[] = [];
    const request = transcodeRequest(match, { query: captured.query, body, contentType: captured.headers['content-type'] }, ignoredFields);
    const call = { method: match.method, request, headers: captured.headers, remoteAddress: captured.remoteAddress, signal: abort.signal };
    const result = await options.dispatcher(call).catch((error: unknown) => {
      // A refusal may well be due to a field that was ignored (a 404 where allow_missing was meant):
      // the error answer names the ignored fields too.
      if (!isKeystreamError(error) || ignoredFields.length === 0) throw error;
      throw new KeystreamError(error.code, error.message, error.details, { cause: error, httpStatus: error.httpStatus, headers: { ...error.headers, ...ignoredFieldsHeader(ignoredFields) } });
    });
    const encoded = encodeMessage(match.method.responseType as MessageName, result.response as never);
    // A streaming RPC answered one message per call (Verify's two REST calls) is still a stream on
    // the wire: framed as grpc-gateway frames one, so a client generated from the protos reads it.
    return match.method.streaming === undefined
      ? { status: 200, headers: { ...result.headers, ...ignoredFieldsHeader(ignoredFields), 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(encoded) }
      : { status: 200, headers: { ...result.headers, ...ignoredFieldsHeader(ignoredFields), 'content-type': NDJSON_CONTENT_TYPE }, body: `${JSON.stringify({ result: encoded })}\n` };
  };

  // The native app has close() (closes the listen socket and every open connection); the package's
  // type declarations predate it.
  const app = uws.App() as TemplatedApp & { close(): void };
  options.configureApp?.(app);
  for (const [path, produce] of Object.entries(options.extraGetRoutes ?? {})) {
    app.get(path, (response, request) => {
      let aborted = false;
      // uWS reuses the request once this callback returns: the query is copied first.
      const query = orEmpty(request.getQuery());
      response.onAborted(() => {
        aborted = true;
      });
      void Promise.resolve()
        .then(() => produce({ query }))
        .catch((error: unknown): PlainAnswer => {
          options.logger.error({ path, error }, 'built-in route failed');
          return { status: 500, contentType: 'text/plain', body: 'internal error' };
        })
        .then(({ status, contentType, body }) => {
          if (aborted) return;
          response.cork(() => {
            response.writeStatus(statusLine(status)).writeHeader('content-type', contentType).end(body);
          });
        });
    });
  }

  app.any('/*', (response, request) => {
    const started = process.hrtime.bigint();
    const captured = capture(response, request);
    const head = captured.httpMethod === 'HEAD';
    const aborted = { value: false };
    const abort = new AbortController();
    response.onAborted(() => {
      aborted.value = true;
      abort.abort();
    });
    if (!accepting) {
      send(response, aborted, errorOutgoing(new KeystreamError('UNAVAILABLE', 'keystream is shutting down; retry on another instance')), started, undefined, head);
      return;
    }
    if (captured.headProblem !== undefined) {
      send(response, aborted, errorOutgoing(captured.headProblem), started, undefined, head);
      return;
    }
    let match: RouteMatch;
    try {
      // HEAD is GET without the body (RFC 9110 §9.3.2).
      match = routes.match(captured.httpMethod === 'HEAD' ? 'GET' : captured.httpMethod, captured.path);
    } catch (error) {
      send(response, aborted, errorOutgoing(isKeystreamError(error) ? error : internalError(error, captured)), started, undefined, head);
      return;
    }
    if (head && match.method.kind === 'stream') {
      send(response, aborted, errorOutgoing(new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams; HEAD is not served for it`, [], { httpStatus: 405, headers: { allow: 'GET' } })), started, match.method.name, head);
      return;
    }

    const chunks: Buffer[] = [];
    let received = 0;
    let rejected = false;
    response.onData((chunk, isLast) => {
      if (rejected) return;
      received += chunk.byteLength;
      if (received > maxBodyBytes) {
        rejected = true;
        send(
          response,
          aborted,
          errorOutgoing(new KeystreamError('RESOURCE_EXHAUSTED', `request body exceeds the limit of ${maxBodyBytes} bytes`, [], { httpStatus: 413 })),
          started,
          match.method.name,
          head,
        );
        return;
      }
      // uWS reuses the chunk's memory once this callback returns, so it is copied.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (!isLast) return;
      const body = Buffer.concat(chunks);
      const answer: Promise<Outgoing | undefined> =
        match.method.kind === 'stream'
          ? Promise.resolve()
              .then(() => {
                const ignoredFields: string[] = [];
                const request = transcodeRequest(match, { query: captured.query, body, contentType: captured.headers['content-type'] }, ignoredFields);
                return stream(response, aborted, captured, match, request, abort, started, ignoredFieldsHeader(ignoredFields));
              })
          : handle(captured, match, body, abort);
      const work = answer
        .catch((error: unknown) => errorOutgoing(isKeystreamError(error) ? error : internalError(error, captured)))
        .then((outgoing) => {
          if (outgoing !== undefined) send(response, aborted, outgoing, started, match.method.name, head);
        });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
  });

  if (port !== 0) await assertAddressFree(host, port);
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    // Exclusive: by default uWS sets SO_REUSEPORT, and a second instance on a busy port would
    // silently share it (the kernel splitting connections between the two).
    (app as unknown as ListenWithOptions).listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket) resolve(socket);
      else reject(addressInUse(host, port, 'the address is in use by another process, or not permitted'));
    });
  });

  return {
    host,
    port: uws.us_socket_local_port(listenSocket),
    async close(drainMilliseconds = 10_000): Promise<void> {
      accepting = false;
      uws.us_listen_socket_close(listenSocket);
      // Streams never finish by themselves: end them so their responses complete.
      for (const running of streams) running.close();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMilliseconds).unref());
      await Promise.race([Promise.allSettled([...inFlight]).then(() => undefined), deadline]);
      app.close();
    },
  };
}
