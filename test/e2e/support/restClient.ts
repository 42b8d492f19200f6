/**
 * A thin typed fetch wrapper that speaks keystream's REST wire format: it turns a request message
 * (JSON, lowerCamelCase) into an HTTP request by the method's route template, following the
 * google.api.http transcoding rules (path variables from the template, the body field or the whole
 * request as body, every other field as a query parameter), and counts the requests it makes.
 */
import type { MethodDescriptor, RouteDescriptor } from '@keystream/api';
import { methodByName } from '@keystream/api';
import http from 'node:http';

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

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function camelCase(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** The value at a dotted proto path (`role_binding.name`) of a JSON request. */
function valueAt(request: JsonObject, protoPath: string): unknown {
  let node: unknown = request;
  for (const part of protoPath.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[camelCase(part)];
  }
  return node;
}

/** The path segments a template variable stands for, when `value` fits its pattern. */
function bindVariable(pattern: string, value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const expected = pattern.split('/');
  const parts = value.split('/');
  if (parts.length !== expected.length) return undefined;
  const fits = expected.every((segment, index) => (segment === '*' ? parts[index] !== '' : parts[index] === segment));
  return fits ? parts : undefined;
}

/** The route's path for the request, or undefined when the request cannot fill its variables. */
function routePath(route: RouteDescriptor, request: JsonObject): string | undefined {
  const segments: string[] = route.template.segments.map((segment) => (segment.kind === 'literal' ? encodeURIComponent(segment.value) : '*'));
  for (const variable of route.template.variables) {
    const parts = bindVariable(variable.pattern, valueAt(request, variable.fieldPath));
    if (parts === undefined) return undefined;
    parts.forEach((part, index) => {
      segments[variable.start + index] = encodeURIComponent(part);
    });
  }
  if (segments.includes('*')) return undefined;
  const verb = route.template.verb === undefined ? '' : `:${route.template.verb}`;
  return `/${segments.join('/')}${verb}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  throw new Error(`${JSON.stringify(value)} cannot travel in a query string`);
}

function appendQuery(params: URLSearchParams, prefix: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const element of value) {
      if (isPlainObject(element) || Array.isArray(element)) throw new Error(`${prefix}: repeated messages cannot travel in a query string`);
      params.append(prefix, scalarText(element));
    }
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, nested] of Object.entries(value)) appendQuery(params, `${prefix}.${key}`, nested);
    return;
  }
  params.append(prefix, scalarText(value));
}

/** Picks the route a call uses. */
export function chooseRoute(method: MethodDescriptor, request: JsonObject, choice: RouteChoice = 'matching'): RouteDescriptor {
  if (typeof choice !== 'string') return choice;
  const primary = method.routes.find((route) => route.primary);
  if (primary === undefined) throw new Error(`${method.name} has no routes`);
  if (choice === 'primary') return primary;
  // The binding that takes the most of the request into its path: `parent=projects/p1` goes to
  // `/v1/{parent=projects/*}/groups` rather than to `/v1/groups?parent=…`.
  let best: RouteDescriptor | undefined;
  for (const route of method.routes) {
    if (routePath(route, request) === undefined) continue;
    if (best === undefined || route.template.variables.length > best.template.variables.length) best = route;
  }
  if (best === undefined) throw new Error(`no route of ${method.name} fits ${JSON.stringify(request)}`);
  return best;
}

/**
 * Builds the HTTP request for a request message on a route. Fields the path binds are taken out of
 * the query string; with a body field the rest travel as query parameters (nested fields dotted,
 * repeated fields repeated); with a whole-request body nothing travels in the query string.
 */
export function buildHttpRequest(request: JsonObject, route: RouteDescriptor): HttpRequest {
  const path = routePath(route, request);
  if (path === undefined) throw new Error(`${JSON.stringify(request)} does not fit ${route.httpMethod} ${route.template.text}`);
  const boundTopLevel = new Set(route.template.variables.filter((variable) => !variable.fieldPath.includes('.')).map((variable) => camelCase(variable.fieldPath)));
  const params = new URLSearchParams();
  let body: unknown;
  switch (route.body.kind) {
    case 'whole':
      body = request;
      break;
    case 'field': {
      const bodyField = camelCase(route.body.fieldPath);
      body = request[bodyField];
      for (const [key, value] of Object.entries(request)) if (key !== bodyField && !boundTopLevel.has(key)) appendQuery(params, key, value);
      break;
    }
    case 'none':
      for (const [key, value] of Object.entries(request)) if (!boundTopLevel.has(key)) appendQuery(params, key, value);
      break;
    default: {
      const unreachable: never = route.body;
      throw new Error(`unknown body rule ${JSON.stringify(unreachable)}`);
    }
  }
  const query = params.toString();
  return { httpMethod: route.httpMethod, path: query === '' ? path : `${path}?${query}`, ...(body === undefined ? {} : { body }) };
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
    return { status: response.status, headers: response.headers, body: isPlainObject(parsed) ? parsed : {}, text: response.text };
  }

  /** Calls a contract method (by descriptor or name) with a request message. */
  async call(method: MethodDescriptor | string, request: JsonObject, options: CallOptions = {}): Promise<RestAnswer> {
    const descriptor = typeof method === 'string' ? methodByName(method) : method;
    const route = chooseRoute(descriptor, request, options.route);
    const http = buildHttpRequest(request, route);
    return this.send(http.httpMethod, http.path, http.body, options.headers);
  }
}
