/**
 * Request message → HTTP request by a method's route, following the google.api.http transcoding
 * rules keystream serves (ARCHITECTURE.md §4): path variables from the template, then the body
 * field or the whole request as the JSON body, every other field as a query parameter (nested
 * fields dotted, repeated fields repeated). One function for every method of the contract.
 */
import type { MethodDescriptor, RouteDescriptor } from '@keystream/api';
import { isObject, snakeToCamel } from '@keystream/kernel';

/** A request or response message in wire JSON (lowerCamelCase). */
export type WireObject = Record<string, unknown>;

/** An HTTP request built from a route. */
export interface RouteRequest {
  readonly httpMethod: string;
  /** Path plus query string. */
  readonly path: string;
  /** JSON body, when the route takes one. */
  readonly body?: unknown;
}



function valueAt(request: WireObject, protoPath: string): unknown {
  let node: unknown = request;
  for (const part of protoPath.split('.')) {
    if (!isObject<WireObject>(node)) return undefined;
    node = node[snakeToCamel(part)];
  }
  return node;
}

function withoutPath(request: WireObject, protoPath: string): WireObject {
  const [head, ...rest] = protoPath.split('.');
  const key = snakeToCamel(head as string);
  if (rest.length === 0) return Object.fromEntries(Object.entries(request).filter(([field]) => field !== key));
  const copy = { ...request };
  const child = copy[key];
  if (isObject<WireObject>(child)) copy[key] = withoutPath(child, rest.join('.'));
  return copy;
}

/** The route's path for the request, or undefined when the request does not fill its variables. */
function pathOf(route: RouteDescriptor, request: WireObject): string | undefined {
  const segments = route.template.segments.map((segment) => (segment.kind === 'literal' ? encodeURIComponent(segment.value) : undefined));
  for (const variable of route.template.variables) {
    const value = valueAt(request, variable.fieldPath);
    if (typeof value !== 'string' || value === '') return undefined;
    const parts = value.split('/');
    const expected = variable.pattern.split('/');
    if (parts.length !== expected.length || !expected.every((segment, index) => (segment === '*' ? parts[index] !== '' : parts[index] === segment))) return undefined;
    parts.forEach((part, index) => {
      segments[variable.start + index] = encodeURIComponent(part);
    });
  }
  if (segments.includes(undefined)) return undefined;
  return `/${segments.join('/')}${route.template.verb === undefined ? '' : `:${route.template.verb}`}`;
}

function appendQuery(params: URLSearchParams, prefix: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const element of value) appendQuery(params, prefix, element);
    return;
  }
  if (isObject<WireObject>(value)) {
    for (const [key, nested] of Object.entries(value)) appendQuery(params, `${prefix}.${key}`, nested);
    return;
  }
  params.append(prefix, typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * Builds the HTTP request for `request` (wire JSON) on one given route, or undefined when the
 * request does not fill the route's path variables. Fields the path binds leave the body and the
 * query string; with a body field the rest travel as query parameters (nested fields dotted,
 * repeated fields repeated); with a whole-request body the query string stays empty.
 */
export function requestOnRoute(route: RouteDescriptor, request: WireObject): RouteRequest | undefined {
  const path = pathOf(route, request);
  if (path === undefined) return undefined;
  let rest = request;
  for (const variable of route.template.variables) rest = withoutPath(rest, variable.fieldPath);
  let body: unknown;
  let queryFields: WireObject = {};
  switch (route.body.kind) {
    case 'whole':
    case 'query':
      // A binding without a declared body takes the fields as query parameters; keystream also
      // accepts the whole request as a JSON body there, which carries every field type (lists of
      // messages, Structs) that a query string cannot.
      body = rest;
      break;
    case 'field':
      body = valueAt(rest, route.body.fieldPath);
      queryFields = withoutPath(rest, route.body.fieldPath);
      break;
    case 'none':
      queryFields = rest;
      break;
    default: {
      const unreachable: never = route.body;
      throw new Error(`unknown body rule ${JSON.stringify(unreachable)}`);
    }
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(queryFields)) appendQuery(params, key, value);
  const query = params.toString();
  return { httpMethod: route.httpMethod, path: query === '' ? path : `${path}?${query}`, ...(body === undefined ? {} : { body }) };
}

/**
 * The route of `method` whose path binds the most of the request (`parent: projects/p1` goes to
 * `/v1/projects/p1/groups`, not `/v1/groups?parent=…`); the primary route among equals.
 */
export function bestRoute(method: MethodDescriptor, request: WireObject): RouteDescriptor {
  const routes = [...method.routes].sort((a, b) => b.template.variables.length - a.template.variables.length || Number(b.primary) - Number(a.primary));
  const route = routes.find((candidate) => pathOf(candidate, request) !== undefined);
  if (route === undefined) {
    throw new Error(`${method.name}: the request does not fill the path variables of any of its routes (${method.routes.map((candidate) => candidate.template.text).join(', ')})`);
  }
  return route;
}

/** Builds the HTTP request of `method` for `request` (wire JSON), on its {@link bestRoute}. */
export function routeRequest(method: MethodDescriptor, request: WireObject): RouteRequest {
  return requestOnRoute(bestRoute(method, request), request) as RouteRequest;
}
