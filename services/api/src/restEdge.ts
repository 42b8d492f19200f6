/**
 * The REST edge, whatever carries it: every route of the contract, one JSON error model.
 *
 * A request is matched to its method, its body read (bounded), transcoded and validated; the
 * decoded request goes to the dispatcher (the command/query core), and the dispatcher's result is
 * encoded back to the wire format. Errors become `{"error": {...}}` with the status of their code.
 * Nothing a caller sends can produce a stack trace: unexpected failures are answered with a
 * generic INTERNAL error carrying an id, and logged with that id.
 *
 * The transport (node:http, see httpServer.ts) is a thin {@link EdgeExchange} adapter: it parses
 * the head, moves bytes and reports backpressure; everything a client can observe is decided here.
 */
import { randomUUID } from 'node:crypto';
import { encodedOnce, encodeMessage, isKeystreamError, KeystreamError, type MessageName } from '@keystream/api';
import type { Logger } from '@keystream/kernel';
import type { ApiDispatcher, StreamDispatcher, StreamHandle } from './edgeContract.js';
import type { RequestHead } from './requestHead.js';
import { transcodeRequest } from './requestTranscoder.js';
import { RouteTable, type RouteMatch } from './routeTable.js';

/** A non-contract answer (health, metrics, console files). */
export interface PlainAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** More response headers (cache-control, location…). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A handler of a non-contract GET route. */
export type PlainRoute = (request: { readonly path: string; readonly query: string }) => PlainAnswer | Promise<PlainAnswer>;

/** What the REST edge needs besides a transport. */
export interface RestEdgeOptions {
  readonly dispatcher: ApiDispatcher;
  /** Where the edge reports failures it could not attribute to the caller. */
  readonly logger: Pick<Logger, 'error'>;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called once per answered request, for metrics. `method` is the RPC name, or undefined when no route matched. */
  readonly onRequestFinished?: (outcome: { readonly method: string | undefined; readonly status: number; readonly seconds: number }) => void;
  /** Extra handlers (health, metrics, links in mails) answered before the contract's routes, by exact path. */
  readonly extraGetRoutes?: Readonly<Record<string, PlainRoute>>;
  /** Extra handlers by path prefix: `/console` serves `/console` and everything under `/console/`. */
  readonly extraGetPrefixes?: Readonly<Record<string, PlainRoute>>;
  /** Serves stream methods as NDJSON over HTTP; without it they answer UNIMPLEMENTED. */
  readonly streamDispatcher?: StreamDispatcher;
}

/**
 * One request/response exchange as the transport carries it. The transport leaves the body out
 * of answers to HEAD and frames bodies (Content-Length, or chunked for streams).
 */
export interface EdgeExchange {
  readonly head: RequestHead;
  /**
   * Reads the whole body; 'too-large' as soon as more than `limit` bytes arrived (the rest is not
   * kept). Rejects with the refusal (a KeystreamError) when the body itself is malformed.
   */
  readBody(limit: number): Promise<Buffer | 'too-large'>;
  /** Sends a whole answer. */
  respond(status: number, headers: Readonly<Record<string, string>>, body: string | Buffer): void;
  /** Sends the status and headers of a streamed answer. */
  startStream(status: number, headers: Readonly<Record<string, string>>): void;
  /** Sends part of a streamed answer; false when the transport had to buffer it (wait for onWritable). */
  write(chunk: string): boolean;
  /** Ends a streamed answer with a last chunk. */
  end(chunk: string): void;
  /** Called each time the transport has drained what it buffered. */
  onWritable(callback: () => void): void;
  /** Called once when the client goes away before the answer is complete. */
  onAborted(callback: () => void): void;
  /** The client went away. */
  readonly aborted: boolean;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
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

interface Outgoing {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The JSON error answer of `error`. */
export function errorAnswer(error: KeystreamError): { readonly status: number; readonly headers: Record<string, string>; readonly body: string } {
  return { status: error.httpStatus, headers: { ...error.headers, 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(error.toBody()) };
}

function elapsedSeconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The REST edge: serves exchanges until closed. */
export class RestEdge {
  private readonly routes = new RouteTable();
  private readonly maxBodyBytes: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly streams = new Set<StreamHandle>();
  private acceptingRequests = true;

  constructor(private readonly options: RestEdgeOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** False once closing began: new requests are answered UNAVAILABLE. */
  get accepting(): boolean {
    return this.acceptingRequests;
  }

  /** Answers one exchange. */
  serve(exchange: EdgeExchange): void {
    const started = process.hrtime.bigint();
    const work = this.answer(exchange, started).catch((error: unknown) => {
      this.options.logger.error({ error }, 'the edge failed to answer a request');
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Stops taking requests, ends the streams (their responses complete with an UNAVAILABLE last
   * line), and waits (bounded) for in-flight requests.
   */
  async close(drainMilliseconds: number): Promise<void> {
    this.acceptingRequests = false;
    // Streams never finish by themselves: end them so their responses complete.
    for (const running of this.streams) running.close();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMilliseconds).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]).then(() => undefined), deadline]);
  }

  private send(exchange: EdgeExchange, outgoing: Outgoing, started: bigint, method?: string): void {
    this.options.onRequestFinished?.({ method, status: outgoing.status, seconds: elapsedSeconds(started) });
    if (exchange.aborted) return;
    exchange.respond(outgoing.status, outgoing.headers, outgoing.body);
  }

  private internalError(error: unknown, head: RequestHead): KeystreamError {
    const incident = randomUUID();
    this.options.logger.error({ incident, method: head.httpMethod, path: head.path, error }, 'request failed unexpectedly');
    return new KeystreamError('INTERNAL', `internal error; quote incident ${incident} when reporting it`);
  }

  private plainRouteOf(path: string): PlainRoute | undefined {
    const exact = this.options.extraGetRoutes?.[path];
    if (exact !== undefined) return exact;
    for (const [prefix, route] of Object.entries(this.options.extraGetPrefixes ?? {})) {
      if (path === prefix || path.startsWith(`${prefix}/`)) return route;
    }
    return undefined;
  }

  private async answer(exchange: EdgeExchange, started: bigint): Promise<void> {
    const { head } = exchange;
    const abort = new AbortController();
    exchange.onAborted(() => {
      abort.abort();
    });
    if (head.headProblem !== undefined) {
      this.send(exchange, errorAnswer(head.headProblem), started);
      return;
    }
    const plain = head.httpMethod === 'GET' || head.httpMethod === 'HEAD' ? this.plainRouteOf(head.path) : undefined;
    if (plain !== undefined) {
      const answer = await Promise.resolve()
        .then(() => plain({ path: head.path, query: head.query }))
        .catch((error: unknown): PlainAnswer => {
          this.options.logger.error({ path: head.path, error }, 'built-in route failed');
          return { status: 500, contentType: 'text/plain', body: 'internal error' };
        });
      if (!exchange.aborted) exchange.respond(answer.status, { ...answer.headers, 'content-type': answer.contentType }, answer.body);
      return;
    }
    // Health routes above still answer while draining (they say so themselves); requests do not.
    if (!this.acceptingRequests) {
      this.send(exchange, errorAnswer(new KeystreamError('UNAVAILABLE', 'keystream is shutting down; retry on another instance')), started);
      return;
    }
    let match: RouteMatch;
    try {
      // HEAD is GET without the body (RFC 9110 §9.3.2).
      match = this.routes.match(head.httpMethod === 'HEAD' ? 'GET' : head.httpMethod, head.path);
    } catch (error) {
      this.send(exchange, errorAnswer(isKeystreamError(error) ? error : this.internalError(error, head)), started);
      return;
    }
    if (head.httpMethod === 'HEAD' && match.method.kind === 'stream') {
      this.send(exchange, errorAnswer(new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams; HEAD is not served for it`, [], { httpStatus: 405, headers: { allow: 'GET' } })), started, match.method.name);
      return;
    }
    let body: Buffer | 'too-large';
    try {
      body = await exchange.readBody(this.maxBodyBytes);
    } catch (error) {
      this.send(exchange, errorAnswer(isKeystreamError(error) ? error : this.internalError(error, head)), started, match.method.name);
      return;
    }
    if (body === 'too-large') {
      this.send(exchange, errorAnswer(new KeystreamError('RESOURCE_EXHAUSTED', `request body exceeds the limit of ${this.maxBodyBytes} bytes`, [], { httpStatus: 413 })), started, match.method.name);
      return;
    }
    let outgoing: Outgoing | undefined;
    try {
      outgoing = match.method.kind === 'stream' ? await this.stream(exchange, match, body, abort, started) : await this.unary(head, match, body, abort);
    } catch (error) {
      outgoing = errorAnswer(isKeystreamError(error) ? error : this.internalError(error, head));
    }
    if (outgoing !== undefined) this.send(exchange, outgoing, started, match.method.name);
  }

  private async unary(head: RequestHead, match: RouteMatch, body: Buffer, abort: AbortController): Promise<Outgoing> {
    const ignoredFields: string[] = [];
    const request = transcodeRequest(match, { query: head.query, body, contentType: head.headers['content-type'] }, ignoredFields);
    const call = { method: match.method, request, headers: head.headers, remoteAddress: head.remoteAddress, signal: abort.signal };
    const result = await this.options.dispatcher(call).catch((error: unknown) => {
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
  }

  /**
   * A stream method as NDJSON: the status line and headers go out with the first response, so a
   * stream that fails before it produces anything is answered as an ordinary error. Slow clients
   * are handled with the transport's backpressure (a write that had to be buffered waits for the
   * drain). Lines are framed as grpc-gateway frames them: `{"result": <response>}`, and a failure
   * after the first line ends the stream with a last `{"error": <google.rpc.Status>}` line.
   */
  private async stream(exchange: EdgeExchange, match: RouteMatch, body: Buffer, abort: AbortController, started: bigint): Promise<Outgoing | undefined> {
    const { head } = exchange;
    const dispatcher = this.options.streamDispatcher;
    if (dispatcher === undefined) {
      throw new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams over the watch gateway; this process does not run one`);
    }
    const ignoredFields: string[] = [];
    const request = transcodeRequest(match, { query: head.query, body, contentType: head.headers['content-type'] }, ignoredFields);
    const extraHeaders = { ...ignoredFieldsHeader(ignoredFields), 'content-type': NDJSON_CONTENT_TYPE };
    // `writable` is false from a write the transport had to buffer until it drained: a waiter must
    // not wait for a drain that already happened.
    const state = { headersSent: false, writable: true };
    let writableWaiters: (() => void)[] = [];
    const wakeWriters = (): void => {
      const waiters = writableWaiters;
      writableWaiters = [];
      for (const waiter of waiters) waiter();
    };
    const write = (line: string): boolean => {
      if (exchange.aborted) return true;
      if (!state.headersSent) {
        state.headersSent = true;
        exchange.startStream(200, extraHeaders);
      }
      const ok = exchange.write(line);
      if (!ok) state.writable = false;
      return ok;
    };
    exchange.onWritable(() => {
      state.writable = true;
      wakeWriters();
    });
    const handle = await dispatcher(
      { method: match.method, request, headers: head.headers, remoteAddress: head.remoteAddress, signal: abort.signal },
      {
        // grpc-gateway's framing of a server stream: one `{"result": <response>}` per line.
        send: (message) =>
          // A fan-out group hands one response object to all its watches: its line is encoded once.
          write(encodedOnce(message as object, `ndjson:${match.method.responseType}`, () => `${JSON.stringify({ result: encodeMessage(match.method.responseType as MessageName, message as never) })}\n`)),
        whenWritable: () =>
          exchange.aborted || state.writable
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                writableWaiters.push(resolve);
              }),
      },
    );
    this.streams.add(handle);
    // Closing began while the stream was being opened: it ends at once, as the others did.
    if (!this.acceptingRequests) handle.close();
    abort.signal.addEventListener('abort', () => {
      handle.close();
      wakeWriters();
    });
    if (abort.signal.aborted) handle.close();
    const done = await handle.done;
    // A stream the server ends because it is shutting down did not end by itself: say so, in the
    // same last-line form as any failure, so a client knows to reconnect (and resume) elsewhere.
    const failure = done ?? (this.acceptingRequests ? undefined : new KeystreamError('UNAVAILABLE', 'keystream is shutting down; reconnect (to another instance) and resume'));
    this.streams.delete(handle);
    wakeWriters();
    if (!state.headersSent && failure !== undefined) return errorAnswer(failure);
    this.options.onRequestFinished?.({ method: match.method.name, status: 200, seconds: elapsedSeconds(started) });
    if (exchange.aborted) return undefined;
    if (!state.headersSent) exchange.startStream(200, extraHeaders);
    exchange.end(failure === undefined ? '' : `${JSON.stringify({ error: failure.toStatus() })}\n`);
    return undefined;
  }
}
