/**
 * The request head as the REST edge and the WebSocket bridge see it, and the refusals that are
 * decided on the head alone, before any routing (docs/security.md, "HTTP edge").
 */
import { KeystreamError } from '@keystream/api';

/** Longest request URL (path and query) answered; longer is 414 (docs/security.md, "Limits"). */
export const MAX_URL_BYTES = 8 * 1024;
/**
 * Largest header block (names and values, without the request line) answered; larger is 431.
 * Large enough for a 64 KiB bearer token and the usual headers beside it.
 */
export const MAX_HEADER_BYTES = 80 * 1024;
/** Most header fields in one request; more is 431. */
export const MAX_HEADER_COUNT = 100;
/**
 * What the HTTP parser (llhttp) buffers of one request head, request line included, before it
 * gives up (answered 431). Above the two limits together, so a head within both reaches the checks
 * below and is answered with the precise status (414 or 431).
 */
export const PARSER_MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADER_BYTES + 8 * 1024;

/** Headers that must appear at most once. */
const SINGLE_HEADERS = ['content-length', 'authorization', 'host', 'transfer-encoding', 'content-type', 'x-request-id'] as const;

/** A parsed request head. */
export interface RequestHead {
  /** Upper-case method. */
  readonly httpMethod: string;
  readonly path: string;
  /** The query without its `?` ('' when none). */
  readonly query: string;
  /** Header values by lower-case name (a repeated header keeps its last value; see {@link headProblemOf}). */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  /** What is wrong with the head itself (answered before routing), if anything. */
  readonly headProblem: KeystreamError | undefined;
}

/**
 * Builds a {@link RequestHead} from the parser's output: the request target and the raw header
 * list (name, value, name, value…; repeated headers stay repeated).
 */
export function requestHeadOf(httpMethod: string, target: string, rawHeaders: readonly string[], httpVersion: string, remoteAddress: string): RequestHead {
  const headers: Record<string, string> = {};
  const duplicated = new Set<string>();
  let headerBytes = 0;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    const value = rawHeaders[index + 1] as string;
    if (Object.hasOwn(headers, name)) duplicated.add(name);
    headers[name] = value;
    // As on the wire: "name: value\r\n".
    headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
  }
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = queryAt < 0 ? '' : target.slice(queryAt + 1);
  return {
    httpMethod: httpMethod.toUpperCase(),
    path,
    query,
    headers,
    remoteAddress,
    headProblem: headProblemOf(Buffer.byteLength(target), headerBytes, rawHeaders.length / 2, duplicated, headers, httpVersion),
  };
}

/**
 * Refusals of a request head that the HTTP parser let through: a URL, header block or header
 * count over the documented limits (414, 431), a header that must appear once given twice (400:
 * two Content-Lengths are a request-smuggling vector, two Authorizations an ambiguity about who
 * calls), Content-Length together with Transfer-Encoding, and an HTTP/1.1 request without Host.
 */
function headProblemOf(
  urlBytes: number,
  headerBytes: number,
  headerCount: number,
  duplicated: ReadonlySet<string>,
  headers: Readonly<Record<string, string>>,
  httpVersion: string,
): KeystreamError | undefined {
  if (urlBytes > MAX_URL_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request URL is ${urlBytes} bytes; at most ${MAX_URL_BYTES} are accepted (send long values in a POST body)`, [], { httpStatus: 414 });
  }
  if (headerBytes > MAX_HEADER_BYTES) {
    return new KeystreamError('INVALID_ARGUMENT', `request headers are ${headerBytes} bytes; at most ${MAX_HEADER_BYTES} are accepted`, [], { httpStatus: 431 });
  }
  if (headerCount > MAX_HEADER_COUNT) {
    return new KeystreamError('INVALID_ARGUMENT', `request has more than ${MAX_HEADER_COUNT} header fields; at most ${MAX_HEADER_COUNT} are accepted`, [], { httpStatus: 431 });
  }
  for (const name of SINGLE_HEADERS) {
    if (duplicated.has(name)) return new KeystreamError('INVALID_ARGUMENT', `header ${name} given more than once; it must appear once`);
  }
  if (headers['content-length'] !== undefined && headers['transfer-encoding'] !== undefined) {
    return new KeystreamError('INVALID_ARGUMENT', 'both Content-Length and Transfer-Encoding given; send one');
  }
  if (httpVersion !== '1.0' && headers['host'] === undefined) {
    return new KeystreamError('INVALID_ARGUMENT', 'an HTTP/1.1 request needs a Host header');
  }
  return undefined;
}

/**
 * The answer to a request the HTTP parser itself refused (Node's `clientError`): a head over the
 * parser's limit is 431, a method the parser does not know 501 (RFC 9110 §15.6.2: the server does
 * not recognise it), anything else malformed 400 — Content-Length with Transfer-Encoding, two
 * Content-Lengths, a bad chunk, a bad header line among them.
 */
export function parserRefusal(code: string | undefined, reason: string | undefined): KeystreamError {
  const because = reason === undefined || reason === '' ? 'malformed request' : reason;
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new KeystreamError('INVALID_ARGUMENT', `request line and headers are over ${PARSER_MAX_HEAD_BYTES} bytes; headers may have at most ${MAX_HEADER_BYTES}, the URL at most ${MAX_URL_BYTES}`, [], { httpStatus: 431 });
    case 'HPE_INVALID_METHOD':
      return new KeystreamError('UNIMPLEMENTED', 'unknown request method', [], { httpStatus: 501 });
    case 'HPE_HEADERS_TIMEOUT':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new KeystreamError('DEADLINE_EXCEEDED', 'the request was not received in time', [], { httpStatus: 408 });
    default:
      return new KeystreamError('INVALID_ARGUMENT', `malformed request: ${because}`, [], { httpStatus: 400 });
  }
}
