/**
 * HTTP → request message, following the google.api.http transcoding rules (ARCHITECTURE.md §4) as
 * grpc-gateway applies them to the bindings of the real protos.
 *
 * Path variables fill the fields their template names. `BODY: field`: the JSON body is that field
 * and every other field may come from the query string. `BODY: *`: the body is the whole request.
 * A POST/PUT binding that declares no body takes every non-path field from the query string
 * (`POST /v1/projects/p1/conditions?condition.display_name=c2`); as a keystream extension it also
 * accepts a JSON body holding the whole request, and a field given both ways must agree.
 *
 * Query parameters: proto or JSON names, nested fields dotted (`cas.field_mask=…`), repeated fields
 * repeated (`names=a&names=b`), map entries as `labels[key]=value`, values converted by the type of
 * the field they name. Names no field has are ignored, as grpc-gateway ignores them, and reported
 * to the caller (the edge names them in `x-keystream-ignored-fields`); so are JSON members no field
 * has, at any depth. A known field with a bad value is always refused.
 *
 * The assembled JSON then goes through the contract's wire decoder, so a request from the query
 * string and one from a body are validated identically and every bad field is named.
 */
import {
  decodeMessage,
  isKeystreamError,
  KeystreamError,
  messageDescriptor,
  normalizeFieldValue,
  type FieldDescriptor,
  type FieldViolation,
  type MessageDescriptor,
  type MessageName,
  type RouteDescriptor,
} from '@keystream/api';
import { isObject } from '@keystream/kernel';
import type { RouteMatch } from './routeTable.js';

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

/** The key under which an object holds a field: its JSON name, or its proto name if that is what the caller wrote. */
function keyOf(node: JsonObject, field: FieldDescriptor): string {
  return !Object.hasOwn(node, field.jsonName) && Object.hasOwn(node, field.protoName) ? field.protoName : field.jsonName;
}

/** Sets a value at a chain of fields in a JSON object, creating intermediate objects. */
function setAtPath(target: JsonObject, fields: readonly FieldDescriptor[], value: unknown): void {
  let node = target;
  for (const field of fields.slice(0, -1)) {
    const key = keyOf(node, field);
    const next = node[key];
    const child: JsonObject = isObject<JsonObject>(next) ? next : {};
    node[key] = child;
    node = child;
  }
  const last = fields[fields.length - 1] as FieldDescriptor;
  node[keyOf(node, last)] = value;
}

/** The value at a chain of fields, whichever name case the object uses. */
function getAtPath(target: JsonObject, fields: readonly FieldDescriptor[]): unknown {
  let node: unknown = target;
  for (const field of fields) {
    if (!isObject<JsonObject>(node)) return undefined;
    node = node[keyOf(node, field)];
  }
  return node;
}

/** strconv.ParseBool's spellings, which grpc-gateway accepts for bool query parameters. */
const TRUE_SPELLINGS = new Set(['true', 'True', 'TRUE', 't', 'T', '1']);
const FALSE_SPELLINGS = new Set(['false', 'False', 'FALSE', 'f', 'F', '0']);

/** Converts one query-string value to the JSON the wire decoder expects for the field. */
function queryValue(field: FieldDescriptor, raw: string, name: string, violations: FieldViolation[]): unknown {
  const type = field.value;
  if (type.kind === 'enum') {
    // Names and numbers both reach the decoder, which checks them against the enum.
    return /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  if (type.kind === 'message') {
    violations.push({ field: name, description: `a ${type.messageName} cannot be given as one query parameter; give its fields (${name}.<field>=…) or send the request as a JSON body` });
    return undefined;
  }
  switch (type.scalar) {
    case 'bool':
      if (TRUE_SPELLINGS.has(raw)) return true;
      if (FALSE_SPELLINGS.has(raw)) return false;
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

/** One query parameter resolved to the field it sets. */
interface QueryField {
  /** The parameter name as written. */
  readonly name: string;
  readonly fields: readonly FieldDescriptor[];
  /** The map key of `field[key]=…`, if the parameter names a map entry. */
  readonly mapKey?: string;
  readonly value: unknown;
}

/** `labels[env]` → the field path `labels` and the key `env`. */
function splitMapKey(name: string): { path: string; mapKey?: string } {
  const match = /^([^[\]]+)\[([^\]]*)\]$/.exec(name);
  return match ? { path: match[1] as string, mapKey: match[2] as string } : { path: name };
}

function parseQuery(request: MessageDescriptor, query: string, violations: FieldViolation[], ignored: string[]): QueryField[] {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  const output: QueryField[] = [];
  // The same field spelled two ways (`page_size` and `pageSize`) is refused, as in bodies: which
  // one would win is not something a caller should have to guess.
  const spellings = new Map<string, string>();
  for (const [name, values] of grouped) {
    const { path, mapKey } = splitMapKey(name);
    const fields = resolveFieldPath(request, path);
    if (!fields) {
      ignored.push(name);
      continue;
    }
    const spelling = `${fields.map((field) => field.protoName).join('.')}${mapKey === undefined ? '' : `[${mapKey}]`}`;
    const earlier = spellings.get(spelling);
    if (earlier !== undefined) {
      violations.push({ field: name, description: `given twice, as "${earlier}" and "${name}"` });
      continue;
    }
    spellings.set(spelling, name);
    const field = fields[fields.length - 1] as FieldDescriptor;
    if (mapKey !== undefined) {
      if (field.cardinality !== 'map') {
        violations.push({ field: name, description: `${path} is not a map; [key] applies to map fields only` });
        continue;
      }
      if (values.length > 1 || mapKey === '__proto__') {
        violations.push({ field: name, description: mapKey === '__proto__' ? 'the map key "__proto__" is reserved' : `given ${values.length} times; a map entry takes one value` });
        continue;
      }
      output.push({ name, fields, mapKey, value: queryValue(field, values[0] as string, name, violations) });
      continue;
    }
    if (field.cardinality === 'map') {
      violations.push({ field: name, description: `a map is given entry by entry in the query string: ${name}[key]=value` });
      continue;
    }
    if (field.cardinality === 'repeated' && field.value.kind === 'message') {
      violations.push({ field: name, description: `a list of ${field.value.messageName} cannot be given in the query string; send the request as a JSON body` });
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
    output.push({ name, fields, value });
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

function jsonPath(fields: readonly FieldDescriptor[]): string {
  return fields.map((field) => field.jsonName).join('.');
}

function sameValue(field: FieldDescriptor, left: unknown, right: unknown): boolean {
  return JSON.stringify(normalizeFieldValue(field, left)) === JSON.stringify(normalizeFieldValue(field, right));
}

/** Proto paths the query string may not set on this route: the path variables and the body field. */
function bodyField(route: RouteDescriptor): string | undefined {
  return route.body.kind === 'field' ? route.body.fieldPath : undefined;
}

function startsWithPath(protoPath: string, prefix: string): boolean {
  return protoPath === prefix || protoPath.startsWith(`${prefix}.`);
}

/**
 * Builds and validates the request message of a matched route. Throws INVALID_ARGUMENT naming
 * every offending field (values of the wrong type, a field given twice with different values, a
 * body field that contradicts the path, the SDK's rules, oneof groups). Names of query parameters
 * and JSON members that no field has are pushed to `ignoredFields`, and otherwise ignored.
 */
export function transcodeRequest(match: RouteMatch, parts: HttpRequestParts, ignoredFields: string[] = []): unknown {
  const { method, route, bindings } = match;
  const request = messageDescriptor(method.requestType);
  const violations: FieldViolation[] = [];
  const body = parseBody(parts);

  let assembled: JsonObject = {};
  switch (route.body.kind) {
    case 'none':
      if (body !== undefined) throw new KeystreamError('INVALID_ARGUMENT', `${route.httpMethod} ${route.template.text} takes no request body`);
      break;
    case 'whole':
    case 'query':
      if (body !== undefined && !isObject<JsonObject>(body)) throw KeystreamError.invalidArgument([{ field: '(body)', description: `expected a JSON object holding the whole ${request.name}` }]);
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

  const target = bodyField(route);
  for (const parameter of parseQuery(request, parts.query, violations, ignoredFields)) {
    const protoPath = parameter.fields.map((field) => field.protoName).join('.');
    // grpc-gateway reads no query parameter into the body of a `BODY: *` binding or into a
    // binding's body field: such a parameter is dropped, and the caller told so.
    if (route.body.kind === 'whole' || (target !== undefined && startsWithPath(protoPath, target))) {
      ignoredFields.push(parameter.name);
      continue;
    }
    if (parameter.value === undefined || (Array.isArray(parameter.value) && parameter.value.includes(undefined))) continue;
    const field = parameter.fields[parameter.fields.length - 1] as FieldDescriptor;
    const bound = Object.keys(bindings).find((path) => startsWithPath(protoPath, path));
    if (bound !== undefined) {
      // The path variable wins; the same value repeated in the query string is harmless.
      if (bound === protoPath && parameter.value === bindings[bound]) continue;
      violations.push({ field: parameter.name, description: `this field comes from the path on this route ("${bindings[bound] ?? ''}")` });
      continue;
    }
    const existing = getAtPath(assembled, parameter.fields);
    if (parameter.mapKey !== undefined) {
      const map = isObject<JsonObject>(existing) ? existing : {};
      const entry = map[parameter.mapKey];
      if (entry !== undefined && !sameValue({ ...field, cardinality: 'single' }, entry, parameter.value)) {
        violations.push({ field: parameter.name, description: `given in the query string and, with another value, in the body` });
        continue;
      }
      map[parameter.mapKey] = parameter.value;
      setAtPath(assembled, parameter.fields, map);
      continue;
    }
    if (existing !== undefined && existing !== null && !sameValue(field, existing, parameter.value)) {
      violations.push({
        field: jsonPath(parameter.fields),
        description: `given in the query string as ${JSON.stringify(parameter.value)} and in the body as ${JSON.stringify(existing)}; give it once, or the same value both ways`,
      });
      continue;
    }
    setAtPath(assembled, parameter.fields, parameter.value);
  }

  for (const [path, value] of Object.entries(bindings)) {
    const fields = resolveFieldPath(request, path);
    if (!fields) throw new Error(`${method.name}: path variable ${path} is not a field of ${request.name}`);
    const inBody = getAtPath(assembled, fields);
    if (inBody !== undefined && inBody !== value) {
      violations.push({ field: jsonPath(fields), description: `is ${JSON.stringify(inBody)} in the body but "${value}" in the path` });
      continue;
    }
    setAtPath(assembled, fields, value);
  }
  const decode = (): unknown => decodeMessage(method.requestType as MessageName, assembled, { unknownFields: 'ignore', ignoredFields });
  if (violations.length === 0) return decode();
  // Report the decoder's findings too, so one answer names every bad field.
  try {
    decode();
  } catch (error) {
    const reported = new Set(violations.map((violation) => violation.field));
    const more = isKeystreamError(error) ? ((error.details[0]?.['fieldViolations'] ?? []) as FieldViolation[]) : [];
    violations.push(...more.filter((violation) => !reported.has(violation.field)));
  }
  throw KeystreamError.invalidArgument(violations);
}
