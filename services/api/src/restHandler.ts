/**
 * What the REST edge does with one request, whichever HTTP server parsed it (uWebSockets.js or
 * node:http): the request is matched to its method, its body read (bounded), transcoded and
 * validated; the decoded request goes to the dispatcher (the command/query core), and the
 * dispatcher's result is encoded back to the wire format. Errors become `{"error": {...}}` with
 * the status of their code. Nothing a caller sends can produce a stack trace: unexpected failures
 * are answered with a generic INTERNAL error carrying an id, and logged with that id.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { encodedOnce, encodeMessage, isKeystreamError, KeystreamError, type MessageName } from '@keystream/api';
import type { Logger } from '@keystream/kernel';
import type { ApiDispatcher, StreamDispatcher, StreamHandle } from './edgeContract.js';
import { transcodeRequest } from './requestTranscoder.js';
import { RouteTable, type RouteMatch } from './routeTable.js';

export interface RestHandlerOptions {
  readonly dispatcher: ApiDispatcher;
  /** Where the edge reports failures it could not attribute to the caller. */
  readonly logger: Pick<Logger, 'error'>;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Called once per answered request, for metrics. `method` is the RPC name, or undefined when no route matched. */
  readonly onRequestFinished?: (outcome: { readonly method: string | undefined; readonly status: number; readonly seconds: number }) => void;
  /** Extra handlers (health, metrics, links in mails) answered before the contract's routes, by exact path. */
  readonly extraGetRoutes?: Readonly<Record<string, (request: { readonly query: string }) => PlainAnswer | Promise<PlainAnswer>>>;
  /** Serves stream methods as NDJSON over HTTP; without it they answer UNIMPLEMENTED. */
  readonly streamDispatcher?: StreamDispatcher;
}

/** A non-contract answer (health, metrics). */
export interface PlainAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Status line and headers of an answer. */
export interface AnswerHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** One request as an HTTP server delivered it, and the way to answer it. */
export interface RestExchange {
  /** Upper-case method. */
  readonly httpMethod: string;
  readonly path: string;
  /** The query string without `?` ('' when none). */
  readonly query: string;
  /** Lower-case names; a repeated header keeps one value (the head check refuses the ones that matter). */
  readonly headers: Record<string, string>;
  readonly remoteAddress: string;
  /** What is wrong with the request head itself (answered before routing), if anything. */
  readonly headProblem?: KeystreamError | undefined;
  /** Registers the listener for the client going away before the answer ends. */
  onAborted(listener: () => void): void;
  /**
   * Reads the body. `done` is called once: with the body, or with undefined as soon as it exceeds
   * `maxBytes` (the rest is not kept).
   */
  readBody(maxBytes: number, done: (body: Buffer | undefined) => void): void;
  /** The whole answer at once; HEAD answers carry the body's length but not the body. */
  answer(head: AnswerHead, body: string, withoutBody: boolean): void;
  /** Part of a streamed answer, `head` with the first part only. False when the client is slow: wait for `onWritable`. */
  writePart(head: AnswerHead | undefined, part: string): boolean;
  /** Ends a streamed answer with a last part, `head` when nothing was written before. */
  endParts(head: AnswerHead | undefined, last: string): void;
  /** Registers the listener for a slow client having taken what was buffered. */
  onWritable(listener: () => void): void;
}

/** Serves exchanges; `close` drains them. */
export interface RestHandler {
  handle(exchange: RestExchange): void;
  /** Refuses new requests, ends streams, waits (bounded) for requests in flight. */
  drain(drainMilliseconds: number): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Longest request URL (path and query) answered; longer is 414 (docs/security.md, "Limits"). */
export const MAX_URL_BYTES = 8 * 1024;
/** Largest header block answered; larger is 431 (docs/security.md, "Limits"). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Most header fields in one request; more is 431 (docs/security.md, "Limits"). */
export const MAX_HEADER_COUNT = 100;
/** Headers that must appear at most once. */
const SINGLE_HEADERS = ['content-length', 'authorization', 'host', 'transfer-encoding', 'content-type', 'x-request-id'] as const;
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
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

/** `200 OK`, as a status line's tail. */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

interface Outgoing extends AnswerHead {
  readonly body: string;
}

/** The JSON error answer of a refusal. */
export function errorAnswer(error: KeystreamError): Outgoing {
  return { status: error.httpStatus, headers: { ...error.headers, 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(error.toBody()) };
}

/** A head's measurements, for the refusals the HTTP parser leaves to the edge. */
interface HeadFacts {
  readonly urlBytes: number;
  readonly headerBytes: number;
  readonly headerCount: number;
  /** Lower-case names given more than once. */
  readonly duplicated: ReadonlySet<string>;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Refusals of a request head that the HTTP parser let through: a URL, header block or header count
 * over the documented limits (414, 431), a header that must appear once given twice (400: two
 * Content-Lengths are a request-smuggling vector, two Authorizations an ambiguity about who
 * calls), and Content-Length together with Transfer-Encoding.
 */
function headProblemOf(facts: HeadFacts): KeystreamError | undefined {
  if (facts.urlBytes > MAX_URL_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request URL is ${facts.urlBytes} bytes; at most ${MAX_URL_BYTES} are accepted (send long values in a POST body)`, [], { httpStatus: 414 });
  }
  if (facts.headerBytes > MAX_HEADER_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request headers are ${facts.headerBytes} bytes; at most ${MAX_HEADER_BYTES} are accepted`, [], { httpStatus: 431 });
  }
  if (facts.headerCount > MAX_HEADER_COUNT) {
    return new KeystreamError('INVALID_ARGUMENT', `request has ${facts.headerCount} header fields; at most ${MAX_HEADER_COUNT} are accepted`, [], { httpStatus: 431 });
  }
  for (const name of SINGLE_HEADERS) {
    if (facts.duplicated.has(name)) return new KeystreamError('INVALID_ARGUMENT', `header ${name} given more than once; it must appear once`);
  }
  if (facts.headers['content-length'] !== undefined && facts.headers['transfer-encoding'] !== undefined) {
    return new KeystreamError('INVALID_ARGUMENT', 'both Content-Length and Transfer-Encoding given; send one');
  }
  return undefined;
}

/** A request head as the edge checks it: headers by lower-case name (a repeated one keeps its last value) and what is wrong with it. */
export interface RequestHead {
  readonly headers: Record<string, string>;
  readonly problem: KeystreamError | undefined;
}

/**
 * Collects a head from a server's header list (`eachHeader` calls back each lower-case name and
 * value in order) and checks it against the limits ({@link headProblemOf}): how both HTTP servers
 * read a head.
 */
export function readRequestHead(eachHeader: (visit: (name: string, value: string) => void) => void, urlBytes: number): RequestHead {
  const headers: Record<string, string> = {};
  const duplicated = new Set<string>();
  let headerBytes = 0;
  let headerCount = 0;
  eachHeader((name, value) => {
    if (Object.hasOwn(headers, name)) duplicated.add(name);
    headers[name] = value;
    headerBytes += name.length + value.length + 4;
    headerCount += 1;
  });
  return { headers, problem: headProblemOf({ urlBytes, headerBytes, headerCount, duplicated, headers }) };
}

/**
 * Whether the client went away (`value`), and the AbortSignal of the call, made on first use:
 * creating an AbortSignal costs more than the rest of a request's bookkeeping (~14 µs in Node 20),
 * and most calls never look at theirs.
 */
class RequestAbort {
  private controller: AbortController | undefined;
  private gone = false;

  get value(): boolean {
    return this.gone;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.gone = true;
    this.controller?.abort();
  }
}

/** The REST edge's request handling, shared by the HTTP servers. */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const routes = new RouteTable();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const inFlight = new Set<Promise<void>>();
  const streams = new Set<StreamHandle>();
  let accepting = true;

  const finished = (started: bigint, status: number, method?: string): void => {
    options.onRequestFinished?.({ method, status, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
  };

  const send = (exchange: RestExchange, aborted: { readonly value: boolean }, outgoing: Outgoing, started: bigint, method?: string): void => {
    finished(started, outgoing.status, method);
    if (aborted.value) return;
    exchange.answer(outgoing, outgoing.body, exchange.httpMethod === 'HEAD');
  };

  const internalError = (error: unknown, exchange: RestExchange): KeystreamError => {
    const incident = randomUUID();
    options.logger.error({ incident, method: exchange.httpMethod, path: exchange.path, error }, 'request failed unexpectedly');
    return new KeystreamError('INTERNAL', `internal error; quote incident ${incident} when reporting it`);
  };

  /**
   * A stream method as NDJSON: the status line and headers go out with the first response, so a
   * stream that fails before it produces anything is answered as an ordinary error. Slow clients
   * are handled with the server's backpressure. Lines are framed as grpc-gateway frames them:
   * `{"result": <response>}`, and a failure after the first line ends the stream with a last
   * `{"error": <google.rpc.Status>}` line.
   */
  const stream = async (
    exchange: RestExchange,
    aborted: RequestAbort,
    match: RouteMatch,
    request: unknown,
    started: bigint,
    extraHeaders: Readonly<Record<string, string>> = {},
  ): Promise<Outgoing | undefined> => {
    const dispatcher = options.streamDispatcher;
    if (dispatcher === undefined) {
      throw new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams over the watch gateway; this process does not run one`);
    }
    const streamHead: AnswerHead = { status: 200, headers: { 'content-type': NDJSON_CONTENT_TYPE, ...extraHeaders } };
    // `writable` is false from a write the server had to buffer until its onWritable: a waiter must
    // not wait for a drain that already happened.
    const state = { headersSent: false, writable: true };
    let writableWaiters: (() => void)[] = [];
    const wakeWriters = (): void => {
      const waiters = writableWaiters;
      writableWaiters = [];
      for (const waiter of waiters) waiter();
    };
    const write = (line: string): boolean => {
      if (aborted.value) return true;
      const ok = exchange.writePart(state.headersSent ? undefined : streamHead, line);
      state.headersSent = true;
      if (!ok) state.writable = false;
      return ok;
    };
    exchange.onWritable(() => {
      state.writable = true;
      wakeWriters();
    });
    const handle = await dispatcher(
      { method: match.method, request, headers: exchange.headers, remoteAddress: exchange.remoteAddress, signal: aborted.signal },
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
    aborted.signal.addEventListener('abort', () => {
      handle.close();
      wakeWriters();
    });
    const done = await handle.done;
    // A stream the server ends because it is shutting down did not end by itself: say so, in the
    // same last-line form as any failure, so a client knows to reconnect (and resume) elsewhere.
    const failure = done ?? (accepting ? undefined : new KeystreamError('UNAVAILABLE', 'keystream is shutting down; reconnect (to another instance) and resume'));
    streams.delete(handle);
    wakeWriters();
    if (!state.headersSent && failure !== undefined) return errorAnswer(failure);
    finished(started, 200, match.method.name);
    if (aborted.value) return undefined;
    exchange.endParts(state.headersSent ? undefined : streamHead, failure === undefined ? '' : `${JSON.stringify({ error: failure.toStatus() })}\n`);
    return undefined;
  };

  const unary = async (exchange: RestExchange, match: RouteMatch, body: Buffer, aborted: RequestAbort): Promise<Outgoing> => {
    const ignoredFields: string[] = [];
    const request = transcodeRequest(match, { query: exchange.query, body, contentType: exchange.headers['content-type'] }, ignoredFields);
    // The signal is made only if a handler asks for it: most calls never do.
    const call = {
      method: match.method,
      request,
      headers: exchange.headers,
      remoteAddress: exchange.remoteAddress,
      get signal(): AbortSignal {
        return aborted.signal;
      },
    };
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

  const extraRoute = (exchange: RestExchange, produce: (request: { readonly query: string }) => PlainAnswer | Promise<PlainAnswer>): void => {
    const aborted = { value: false };
    exchange.onAborted(() => {
      aborted.value = true;
    });
    void Promise.resolve()
      .then(() => produce({ query: exchange.query }))
      .catch((error: unknown): PlainAnswer => {
        options.logger.error({ path: exchange.path, error }, 'built-in route failed');
        return { status: 500, contentType: 'text/plain', body: 'internal error' };
      })
      .then(({ status, contentType, body }) => {
        if (!aborted.value) exchange.answer({ status, headers: { 'content-type': contentType } }, body, exchange.httpMethod === 'HEAD');
      });
  };

  const handle = (exchange: RestExchange): void => {
    const started = process.hrtime.bigint();
    const extra = exchange.httpMethod === 'GET' || exchange.httpMethod === 'HEAD' ? options.extraGetRoutes?.[exchange.path] : undefined;
    if (extra !== undefined && exchange.headProblem === undefined) {
      extraRoute(exchange, extra);
      return;
    }
    const aborted = new RequestAbort();
    exchange.onAborted(() => {
      aborted.abort();
    });
    if (!accepting) {
      send(exchange, aborted, errorAnswer(new KeystreamError('UNAVAILABLE', 'keystream is shutting down; retry on another instance')), started);
      return;
    }
    if (exchange.headProblem !== undefined) {
      send(exchange, aborted, errorAnswer(exchange.headProblem), started);
      return;
    }
    let match: RouteMatch;
    try {
      // HEAD is GET without the body (RFC 9110 §9.3.2).
      match = routes.match(exchange.httpMethod === 'HEAD' ? 'GET' : exchange.httpMethod, exchange.path);
    } catch (error) {
      send(exchange, aborted, errorAnswer(isKeystreamError(error) ? error : internalError(error, exchange)), started);
      return;
    }
    if (exchange.httpMethod === 'HEAD' && match.method.kind === 'stream') {
      const refusal = new KeystreamError('UNIMPLEMENTED', `${match.method.name} streams; HEAD is not served for it`, [], { httpStatus: 405, headers: { allow: 'GET' } });
      send(exchange, aborted, errorAnswer(refusal), started, match.method.name);
      return;
    }
    exchange.readBody(maxBodyBytes, (body) => {
      if (body === undefined) {
        const refusal = new KeystreamError('RESOURCE_EXHAUSTED', `request body exceeds the limit of ${maxBodyBytes} bytes`, [], { httpStatus: 413 });
        send(exchange, aborted, errorAnswer(refusal), started, match.method.name);
        return;
      }
      const answer: Promise<Outgoing | undefined> =
        match.method.kind === 'stream'
          ? Promise.resolve().then(() => {
              const ignoredFields: string[] = [];
              const request = transcodeRequest(match, { query: exchange.query, body, contentType: exchange.headers['content-type'] }, ignoredFields);
              return stream(exchange, aborted, match, request, started, ignoredFieldsHeader(ignoredFields));
            })
          : unary(exchange, match, body, aborted);
      const work = answer
        .catch((error: unknown) => errorAnswer(isKeystreamError(error) ? error : internalError(error, exchange)))
        .then((outgoing) => {
          if (outgoing !== undefined) send(exchange, aborted, outgoing, started, match.method.name);
        });
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
  };

  return {
    handle,
    async drain(drainMilliseconds: number): Promise<void> {
      accepting = false;
      // Streams never finish by themselves: end them so their responses complete.
      for (const running of streams) running.close();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMilliseconds).unref());
      await Promise.race([Promise.allSettled([...inFlight]).then(() => undefined), deadline]);
    },
  };
}
