/**
 * HTTP → request message, following the google.api.http transcoding rules (ARCHITECTURE.md §4).
 *
 * Path variables fill the fields their template names; the body fills the route's body field (or
 * the whole request); every other field may come from the query string, nested fields dotted
 * (`cas.field_mask=…`) and repeated fields repeated (`names=a&names=b`). Query values are strings
 * and are converted by the type of the field they name. The assembled JSON then goes through the
 * contract's wire decoder, so a request from the query string and one from a body are validated
 * identically and every bad field is named.
 */
import {
  decodeMessage,
  isKeystreamError,
  KeystreamError,
  messageDescriptor,
  type FieldDescriptor,
  type FieldViolation,
  type MessageDescriptor,
  type MessageName,
  type RouteDescriptor,
} from '@keystream/api';
import type { RouteMatch } from './routeTable.js';
import { isObject } from '@keystream/kernel';

type JsonObject = Record<string, unknown>;

/** The raw parts of an HTTP request that carry request fields. */
export interface HttpRequestParts {
  /** The query string without the leading `?`. */
  readonly query: string;
  /** The body as received (may be empty). */
  readonly body: Buffer;
  readonly contentType: string | undefined;
}


/** Finds the field a dotted path names (proto or JSON names), with the message chain leading to it. */
function resolveFieldPath(root: MessageDescriptor, path: string): FieldDescriptor[] | undefined {
  const fields: FieldDescriptor[] = [];
  let message: MessageDescriptor | undefined = root;
  for (const part of path.split('.')) {
    const field: FieldDescriptor | undefined = message?.field(part);
    if (!field) return undefined;
    fields.push(field);
    message = field.value.kind === 'message' && field.cardinality === 'single' ? messageDescriptor(field.value.messageName) : undefined;
  }
  return fields;
}

/** Sets a value at a chain of fields in a JSON object, creating intermediate objects (JSON names). */
function setAtPath(target: JsonObject, fields: readonly FieldDescriptor[], value: unknown): void {
  let node = target;
  for (const field of fields.slice(0, -1)) {
    const next = node[field.jsonName];
    const child: JsonObject = isObject<JsonObject>(next) ? next : {};
    node[field.jsonName] = child;
    node = child;
  }
  node[(fields[fields.length - 1] as FieldDescriptor).jsonName] = value;
}

function getAtPath(target: JsonObject, fields: readonly FieldDescriptor[]): unknown {
  let node: unknown = target;
  for (const field of fields) {
    if (!isObject<JsonObject>(node)) return undefined;
    node = node[field.jsonName];
  }
  return node;
}

/** Converts one query-string value to the JSON the wire decoder expects for the field. */
function queryValue(field: FieldDescriptor, raw: string, name: string, violations: FieldViolation[]): unknown {
  const type = field.value;
  if (type.kind === 'enum') {
    // Names and numbers both reach the decoder, which checks them against the enum.
    return /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  if (type.kind === 'message') {
    violations.push({ field: name, description: `a ${type.messageName} cannot be given in the query string; send it in the body` });
    return undefined;
  }
  switch (type.scalar) {
    case 'bool':
      if (raw === 'true' || raw === '1' || raw === '') return true;
      if (raw === 'false' || raw === '0') return false;
      violations.push({ field: name, description: `expected true or false, got "${raw}"` });
      return undefined;
    case 'int32':
    case 'uint32':
      if (/^-?\d+$/.test(raw)) return Number(raw);
      violations.push({ field: name, description: `expected an integer, got "${raw}"` });
      return undefined;
    case 'int64':
    case 'string':
    case 'bytes':
    case 'timestamp':
    case 'fieldMask':
      return raw;
    case 'struct':
      violations.push({ field: name, description: 'a Struct cannot be given in the query string; send it in the body' });
      return undefined;
    default: {
      const unreachable: never = type.scalar;
      return unreachable;
    }
  }
}

function parseQuery(request: MessageDescriptor, query: string, excluded: ReadonlySet<string>, violations: FieldViolation[]): JsonObject {
  const output: JsonObject = {};
  const params = new URLSearchParams(query);
  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  // The same field spelled two ways (`page_size` and `pageSize`) is refused, as in bodies: which
  // one would win is not something a caller should have to guess.
  const spellings = new Map<string, string>();
  for (const [name, values] of grouped) {
    const fields = resolveFieldPath(request, name);
    if (!fields) {
      violations.push({ field: name, description: `unknown query parameter for ${request.name}` });
      continue;
    }
    const protoPath = fields.map((field) => field.protoName).join('.');
    const earlier = spellings.get(protoPath);
    if (earlier !== undefined) {
      violations.push({ field: name, description: `given twice, as "${earlier}" and "${name}"` });
      continue;
    }
    spellings.set(protoPath, name);
    if (excluded.has(protoPath) || [...excluded].some((path) => protoPath.startsWith(`${path}.`))) {
      violations.push({ field: name, description: 'this field comes from the path or the body on this route, not from the query string' });
      continue;
    }
    const field = fields[fields.length - 1] as FieldDescriptor;
    if (field.cardinality === 'map') {
      violations.push({ field: name, description: 'a map cannot be given in the query string; send it in the body' });
      continue;
    }
    let value: unknown;
    if (field.cardinality === 'repeated') {
      value = values.map((raw) => queryValue(field, raw, name, violations));
    } else if (field.value.kind === 'scalar' && field.value.scalar === 'fieldMask') {
      value = values.join(',');
    } else if (values.length > 1) {
      violations.push({ field: name, description: `given ${values.length} times; it takes one value` });
      continue;
    } else {
      value = queryValue(field, values[0] as string, name, violations);
    }
    setAtPath(output, fields, value);
  }
  return output;
}

function parseBody(parts: HttpRequestParts): unknown {
  if (parts.body.length === 0) return undefined;
  const type = parts.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && type !== '' && type !== 'application/json') {
    throw new KeystreamError('INVALID_ARGUMENT', `request body must be application/json, got ${type}`, [], { httpStatus: 415 });
  }
  try {
    return JSON.parse(parts.body.toString('utf8')) as unknown;
  } catch (error) {
    throw new KeystreamError('INVALID_ARGUMENT', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function bodyTarget(route: RouteDescriptor): string | undefined {
  return route.body.kind === 'field' ? route.body.fieldPath : undefined;
}

/**
 * Builds and validates the request message of a matched route. Throws INVALID_ARGUMENT naming
 * every offending field (unknown query parameters, values of the wrong type, a body field that
 * contradicts the path, schema violations).
 */
export function transcodeRequest(match: RouteMatch, parts: HttpRequestParts): unknown {
  const { method, route, bindings } = match;
  const request = messageDescriptor(method.requestType);
  const violations: FieldViolation[] = [];
  const body = parseBody(parts);
  const target = bodyTarget(route);

  let assembled: JsonObject = {};
  switch (route.body.kind) {
    case 'none':
      if (body !== undefined) throw new KeystreamError('INVALID_ARGUMENT', `${route.httpMethod} ${route.template.text} takes no request body`);
      break;
    case 'whole':
      if (body !== undefined && !isObject<JsonObject>(body)) throw KeystreamError.invalidArgument([{ field: '(body)', description: 'expected a JSON object' }]);
      assembled = body ?? {};
      break;
    case 'field': {
      const fields = resolveFieldPath(request, route.body.fieldPath);
      if (!fields) throw new Error(`${method.name}: body field ${route.body.fieldPath} is not in ${request.name}`);
      if (body !== undefined) setAtPath(assembled, fields, body);
      break;
    }
    default: {
      const unreachable: never = route.body;
      throw new Error(`unknown body rule ${String(unreachable)}`);
    }
  }

  const excluded = new Set(Object.keys(bindings));
  if (target !== undefined) excluded.add(target);
  // With the whole request in the body, the query string carries nothing: a field is in one place.
  const fromQuery = route.body.kind === 'whole' ? {} : parseQuery(request, parts.query, excluded, violations);
  if (route.body.kind === 'whole' && parts.query !== '') {
    violations.push({ field: '(query)', description: `${route.httpMethod} ${route.template.text} takes every field in the body; the query string must be empty` });
  }
  Object.assign(assembled, fromQuery);

  for (const [path, value] of Object.entries(bindings)) {
    const fields = resolveFieldPath(request, path);
    if (!fields) throw new Error(`${method.name}: path variable ${path} is not a field of ${request.name}`);
    const inBody = getAtPath(assembled, fields);
    if (inBody !== undefined && inBody !== value) {
      violations.push({ field: fields.map((field) => field.jsonName).join('.'), description: `is ${JSON.stringify(inBody)} in the body but "${value}" in the path` });
      continue;
    }
    setAtPath(assembled, fields, value);
  }
  if (violations.length === 0) return decodeMessage(method.requestType as MessageName, assembled);
  // Report the decoder's findings too, so one answer names every bad field.
  try {
    decodeMessage(method.requestType as MessageName, assembled);
  } catch (error) {
    const reported = new Set(violations.map((violation) => violation.field));
    const more = isKeystreamError(error) ? ((error.details[0]?.['fieldViolations'] ?? []) as FieldViolation[]) : [];
    violations.push(...more.filter((violation) => !reported.has(violation.field)));
  }
  throw KeystreamError.invalidArgument(violations);
}
