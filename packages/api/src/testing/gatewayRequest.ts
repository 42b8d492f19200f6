/**
 * HTTP requests built the way a client generated from the real protos builds them for a binding
 * of `rpcs.tsv` (grpc-gateway's rules): path variables from the template; `body: *` → the whole
 * request minus the path fields as JSON; `body: field` → that field as JSON, the rest in the query
 * string; no body → every non-path field in the query string, proto names, nested fields dotted,
 * repeated fields repeated, map entries as `field[key]=value`.
 */
import type { RpcRouteRow } from '../codegen/upstreamTables.js';
import { messageDescriptor, type FieldDescriptor, type MessageDescriptor } from '../registry/messageRegistry.js';

/** A wire-JSON request (lowerCamelCase). */
export type WireRequest = Record<string, unknown>;

/** What goes on the wire. */
export interface GatewayRequest {
  readonly verb: string;
  /** Path and query string. */
  readonly target: string;
  readonly body?: string;
}

function isObject(value: unknown): value is WireRequest {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{name=projects/*}` variables of a template with the values a request needs to fill them. */
export function templateVariables(path: string): { fieldPath: string; pattern: string; value: string }[] {
  return [...path.matchAll(/\{([^}=]+)(?:=([^}]*))?\}/g)].map((match) => ({
    fieldPath: match[1] as string,
    pattern: match[2] ?? '*',
    value: (match[2] ?? '*').split('/').map((segment, index) => (segment === '*' ? `x${index}` : segment)).join('/'),
  }));
}

/** The JSON name chain of a dotted proto path in a message. */
function jsonChain(message: MessageDescriptor, protoPath: string): string[] {
  const chain: string[] = [];
  let current: MessageDescriptor | undefined = message;
  for (const part of protoPath.split('.')) {
    const field: FieldDescriptor | undefined = current?.field(part);
    if (field === undefined) throw new Error(`${message.name} has no field path ${protoPath}`);
    chain.push(field.jsonName);
    current = field.value.kind === 'message' ? messageDescriptor(field.value.messageName) : undefined;
  }
  return chain;
}

/** Sets a dotted proto path of the request to a value. */
export function setPath(request: WireRequest, requestType: string, protoPath: string, value: unknown): void {
  const chain = jsonChain(messageDescriptor(requestType), protoPath);
  let node = request;
  for (const key of chain.slice(0, -1)) node = (isObject(node[key]) ? node[key] : (node[key] = {}));
  node[chain[chain.length - 1] as string] = value;
}

function takePath(request: WireRequest, chain: readonly string[]): unknown {
  let node: unknown = request;
  for (const key of chain.slice(0, -1)) node = isObject(node) ? node[key] : undefined;
  if (!isObject(node)) return undefined;
  const last = chain[chain.length - 1] as string;
  const value = node[last];
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removes the field a path or body binding carries
  delete node[last];
  return value;
}

/** Query parameters of a message value as grpc-gateway reads them; throws for what a query string cannot carry. */
function appendQuery(params: URLSearchParams, message: MessageDescriptor, value: WireRequest, prefix: string): void {
  for (const [key, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = message.field(key);
    if (field === undefined) throw new Error(`${message.name} has no field ${key}`);
    const name = `${prefix}${field.protoName}`;
    if (field.cardinality === 'map') {
      for (const [mapKey, entry] of Object.entries(fieldValue as WireRequest)) params.append(`${name}[${mapKey}]`, String(entry));
      continue;
    }
    if (field.value.kind === 'message') {
      if (field.cardinality === 'repeated') throw new Error(`${name}: a list of messages cannot travel in a query string`);
      appendQuery(params, messageDescriptor(field.value.messageName), fieldValue as WireRequest, `${name}.`);
      continue;
    }
    for (const element of Array.isArray(fieldValue) ? fieldValue : [fieldValue]) params.append(name, String(element));
  }
}

/** Builds the HTTP request for `request` on the binding `route`. */
export function gatewayRequest(route: RpcRouteRow, requestType: string, request: WireRequest): GatewayRequest {
  const message = messageDescriptor(requestType);
  const rest = structuredClone(request);
  let path = route.path;
  for (const variable of templateVariables(route.path)) {
    const value = takePath(rest, jsonChain(message, variable.fieldPath));
    if (typeof value !== 'string') throw new Error(`${route.rpc}: the request does not fill ${variable.fieldPath}`);
    path = path.replace(/\{[^}]*\}/, value.split('/').map(encodeURIComponent).join('/'));
  }
  let body: unknown;
  if (route.body === '*') body = rest;
  else if (route.body !== undefined) body = takePath(rest, jsonChain(message, route.body));
  const params = new URLSearchParams();
  if (route.body !== '*') appendQuery(params, message, rest, '');
  const query = params.toString();
  return { verb: route.verb, target: query === '' ? path : `${path}?${query}`, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
}
