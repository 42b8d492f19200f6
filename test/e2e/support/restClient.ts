/**
 * A thin HTTP client for the e2e tests: it turns a request message (JSON, lowerCamelCase) into an
 * HTTP request with the SDK's transcoding (@keystream/client), on the route a test chooses (the
 * primary binding, the best-matching one, or a given one), and counts the requests it makes.
 */
import type { MethodDescriptor, RouteDescriptor } from '@keystream/api';
import { methodByName } from '@keystream/api';
import { bestRoute, requestOnRoute } from '@keystream/client';
import http from 'node:http';
import { isObject } from '@keystream/kernel';

/** A JSON object as keystream sends and receives it. */
export type JsonObject = Record<string, unknown>;

/** What the server answered. */
export interface RestAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body (`{}` when the body was empty or not JSON; see `text`). */
  readonly body: JsonObject;
  readonly text: string;
}

/** One HTTP request, as built from a method's route. */
export interface HttpRequest {
  readonly httpMethod: string;
  /** Path and query string, e.g. `/v1/projects/p1?view=BASIC`. */
  readonly path: string;
  readonly body?: unknown;
}

/** How a call picks its route: the primary binding, the binding that binds most of the request, or a given one. */
export type RouteChoice = 'primary' | 'matching' | RouteDescriptor;

/** Options of one call. */
export interface CallOptions {
  readonly route?: RouteChoice;
  readonly headers?: Readonly<Record<string, string>>;
}

let requestCount = 0;

/**
 * One request on its own connection with node:http (no agent, no pooling): unlike fetch, it leaves
 * no client-side timers behind once the answer is read, which the root hooks' leak check needs.
 */
function exchange(url: URL, method: string, payload: string | undefined, headers: Readonly<Record<string, string>>): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { ...headers, ...(payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(payload)) }) }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined) continue;
          for (const single of Array.isArray(value) ? value : [value]) answerHeaders.append(name, single);
        }
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** How many HTTP requests every RestClient of this process has made. */
export function restRequestCount(): number {
  return requestCount;
}


/** Picks the route a call uses. */
export function chooseRoute(method: MethodDescriptor, request: JsonObject, choice: RouteChoice = 'matching'): RouteDescriptor {
  if (typeof choice !== 'string') return choice;
  if (choice === 'matching') return bestRoute(method, request);
  const primary = method.routes.find((route) => route.primary);
  if (primary === undefined) throw new Error(`${method.name} has no routes`);
  return primary;
}

/** Builds the HTTP request for a request message on a route (the SDK's transcoding, @keystream/client). */
export function buildHttpRequest(request: JsonObject, route: RouteDescriptor): HttpRequest {
  const built = requestOnRoute(route, request);
  if (built === undefined) throw new Error(`${JSON.stringify(request)} does not fit ${route.httpMethod} ${route.template.text}`);
  return built;
}

/** Calls a keystream server over HTTP. */
export class RestClient {
  /** `defaultHeaders` go on every request (credentials); a call's own headers override them. */
  constructor(
    private readonly baseUrl: string,
    private readonly defaultHeaders: Readonly<Record<string, string>> = {},
  ) {}

  /** Sends one raw HTTP request; `body` is serialised as JSON unless it is already a string. */
  async send(httpMethod: string, path: string, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<RestAnswer> {
    requestCount += 1;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const response = await exchange(new URL(path, this.baseUrl), httpMethod, payload, {
      // One connection per request: nothing stays open between tests (root hooks check for leaks).
      connection: 'close',
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...this.defaultHeaders,
      ...headers,
    });
    let parsed: unknown = {};
    if (response.headers.get('content-type')?.startsWith('application/json') === true && response.text !== '') parsed = JSON.parse(response.text) as unknown;
    return { status: response.status, headers: response.headers, body: isObject<JsonObject>(parsed) ? parsed : {}, text: response.text };
  }

  /** Calls a contract method (by descriptor or name) with a request message. */
  async call(method: MethodDescriptor | string, request: JsonObject, options: CallOptions = {}): Promise<RestAnswer> {
    const descriptor = typeof method === 'string' ? methodByName(method) : method;
    const route = chooseRoute(descriptor, request, options.route);
    const http = buildHttpRequest(request, route);
    return this.send(http.httpMethod, http.path, http.body, options.headers);
  }
}
