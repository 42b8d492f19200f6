/**
 * The JSON wire format (ARCHITECTURE.md §4, the protobuf JSON mapping) ⇄ keystream's internal form.
 *
 * Out: lowerCamelCase names, int64 as decimal strings, FieldMask as one comma-separated string of
 * paths, enums by name, absent fields omitted.
 * In: lowerCamelCase or snake_case names, int64 as string or number, enums by name or number,
 * FieldMask as a string (or a list of paths), `null` meaning "not set". Anything else is an
 * INVALID_ARGUMENT that names the field, and nothing is half-decoded: a request either decodes
 * whole or fails.
 */
import type { z } from 'zod';
import { KeystreamError, type FieldViolation } from '../errors/keystreamError.js';
import { MESSAGE_SCHEMAS } from '../generated/schemas.js';
import { checkStructLimits, keyProblem, MAX_LIST_ITEMS, MAX_MAP_ENTRIES, MAX_NESTING_DEPTH, maxStringLengthOf, tooDeepAt } from './limits.js';
import {
  enumDescriptor,
  messageDescriptor,
  type FieldDescriptor,
  type FieldValueType,
  type MessageDescriptor,
} from '../registry/messageRegistry.js';
import { isObject, type JsonObject, type JsonValue, snakeToCamel, camelToSnake } from '@keystream/kernel';

/** Name of a message of the contract. */
export type MessageName = keyof typeof MESSAGE_SCHEMAS;

/** Internal form of a message of the contract. */
export type MessageOf<Name extends MessageName> = z.infer<(typeof MESSAGE_SCHEMAS)[Name]>;





/** Renders a field path the way errors show it: `roleBinding.scopeParams[0].name`. */
function joinPath(parent: string, child: string | number): string {
  if (typeof child === 'number') return `${parent}[${child}]`;
  return parent === '' ? child : `${parent}.${child}`;
}

/** What to do with a JSON member no field of its message has. */
export type UnknownFieldPolicy = 'reject' | 'ignore';

/** Options of {@link decodeMessage}. */
export interface DecodeOptions {
  /** Names where the value sits in the request, for messages nested in a body. */
  readonly pathPrefix?: string;
  /**
   * `reject` (default): an unknown member is INVALID_ARGUMENT naming it. `ignore`: it is dropped,
   * as grpc-gateway's JSON parser does, and its path is added to `ignoredFields`.
   */
  readonly unknownFields?: UnknownFieldPolicy;
  /** Receives the paths of the members `ignore` dropped. */
  readonly ignoredFields?: string[];
}

class Decoder {
  readonly violations: FieldViolation[] = [];

  constructor(
    private readonly unknownFields: UnknownFieldPolicy = 'reject',
    private readonly ignored: string[] = [],
  ) {}

  fail(field: string, description: string): undefined {
    this.violations.push({ field: field === '' ? '(request)' : field, description });
    return undefined;
  }

  message(descriptor: MessageDescriptor, input: unknown, path: string): Record<string, unknown> | undefined {
    if (!isObject(input)) {
      this.fail(path, `expected a JSON object for ${descriptor.name}, got ${describe(input)}`);
      return undefined;
    }
    const output: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(input)) {
      const field = descriptor.field(key);
      const fieldPath = joinPath(path, field?.jsonName ?? key);
      if (!field) {
        if (this.unknownFields === 'ignore') {
          this.ignored.push(fieldPath);
          continue;
        }
        const known = descriptor.fields.map((candidate) => candidate.jsonName).join(', ');
        this.fail(fieldPath, `unknown field "${key}" in ${descriptor.name}${known === '' ? ' (it has no fields)' : ` (fields: ${known})`}`);
        continue;
      }
      const earlier = seen.get(field.jsonName);
      if (earlier !== undefined) {
        this.fail(fieldPath, `given twice, as "${earlier}" and "${key}"`);
        continue;
      }
      seen.set(field.jsonName, key);
      if (value === null) continue; // protobuf JSON: null is the default value, i.e. not set
      const decoded = this.field(field, value, fieldPath);
      if (decoded !== undefined) output[field.jsonName] = decoded;
    }
    return output;
  }

  field(field: FieldDescriptor, value: unknown, path: string): unknown {
    if (field.cardinality === 'repeated') {
      if (!Array.isArray(value)) {
        this.fail(path, `expected a JSON array, got ${describe(value)}`);
        return undefined;
      }
      if (value.length > MAX_LIST_ITEMS) {
        this.fail(path, `list of ${value.length} items; at most ${MAX_LIST_ITEMS} are accepted`);
        return undefined;
      }
      return value.map((element, index) => this.value(field.value, this.bounded(field, element, joinPath(path, index)), joinPath(path, index)));
    }
    if (field.cardinality === 'map') {
      if (!isObject(value)) {
        this.fail(path, `expected a JSON object (map), got ${describe(value)}`);
        return undefined;
      }
      const entries = Object.entries(value);
      if (entries.length > MAX_MAP_ENTRIES) {
        this.fail(path, `map of ${entries.length} entries; at most ${MAX_MAP_ENTRIES} are accepted`);
        return undefined;
      }
      const output: Record<string, unknown> = {};
      for (const [key, element] of entries) {
        // A JavaScript object cannot hold "__proto__" as an ordinary key (assignment would set its
        // prototype, and schema validation drops it), so it is refused rather than lost silently.
        if (key === '__proto__') {
          this.fail(joinPath(path, key), 'the map key "__proto__" is reserved');
          continue;
        }
        const problem = keyProblem(key);
        if (problem !== undefined) {
          this.fail(joinPath(path, JSON.stringify(key).slice(0, 60)), problem);
          continue;
        }
        output[key] = this.value(field.value, this.bounded(field, element, joinPath(path, key)), joinPath(path, key));
      }
      return output;
    }
    return this.value(field.value, this.bounded(field, value, path), path);
  }

  /** Refuses a string longer than its field allows (limits.ts); other values pass through. */
  bounded(field: FieldDescriptor, value: unknown, path: string): unknown {
    if (typeof value !== 'string') return value;
    const limit = maxStringLengthOf(field);
    if (value.length <= limit) return value;
    this.fail(path, `string of ${value.length} characters; at most ${limit} are accepted`);
    return undefined;
  }

  value(type: FieldValueType, value: unknown, path: string): unknown {
    switch (type.kind) {
      case 'message':
        return this.message(messageDescriptor(type.messageName), value, path);
      case 'enum': {
        const { values, name } = enumDescriptor(type.enumName);
        if (typeof value === 'string' && values.includes(value)) return value;
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < values.length) return values[value];
        this.fail(path, `expected one of ${name}: ${values.join(', ')}; got ${describe(value)}`);
        return undefined;
      }
      case 'scalar':
        switch (type.scalar) {
          case 'int64':
            return this.int64(value, path);
          case 'fieldMask':
            return this.fieldMask(value, path);
          case 'bytes':
            // protobuf JSON accepts URL-safe base64 too; keep the standard alphabet internally.
            return typeof value === 'string' ? value.replace(/-/g, '+').replace(/_/g, '/') : value;
          case 'struct': {
            if (isObject(value) && Object.hasOwn(value, '__proto__')) {
              this.fail(joinPath(path, '__proto__'), 'the key "__proto__" is reserved');
              return undefined;
            }
            const before = this.violations.length;
            checkStructLimits(value, path === '' ? '(request)' : path, this.violations);
            return this.violations.length === before ? value : undefined;
          }
          case 'string':
          case 'bool':
          case 'int32':
          case 'uint32':
          case 'timestamp':
            return value; // checked by the zod schema, which names the field on failure
          default: {
            const unreachable: never = type.scalar;
            return unreachable;
          }
        }
      default: {
        const unreachable: never = type;
        return unreachable;
      }
    }
  }

  int64(value: unknown, path: string): number | undefined {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^-?\d+$/.test(value)) {
      const parsed = Number(value);
      if (Number.isSafeInteger(parsed)) return parsed;
      this.fail(path, `int64 value ${value} is beyond ±2^53, the largest keystream stores exactly`);
      return undefined;
    }
    this.fail(path, `expected an int64 as a decimal string or integer, got ${describe(value)}`);
    return undefined;
  }

  fieldMask(value: unknown, path: string): string[] | undefined {
    const paths = typeof value === 'string' ? (value === '' ? [] : value.split(',')) : value;
    if (!Array.isArray(paths) || !paths.every((entry): entry is string => typeof entry === 'string')) {
      this.fail(path, `expected a FieldMask as a comma-separated string of paths, got ${describe(value)}`);
      return undefined;
    }
    // Paths stay as written: only the resource kit, which knows the masked message, can tell a
    // field name (to be normalised) from a map key (to be kept verbatim).
    return paths.map((entry) => entry.trim());
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function zodViolations(error: z.ZodError, prefix: string): FieldViolation[] {
  return error.issues.map((issue: z.core.$ZodIssue) => {
    let field = prefix;
    for (const segment of issue.path) field = joinPath(field, typeof segment === 'number' ? segment : String(segment));
    return { field: field === '' ? '(request)' : field, description: issue.message };
  });
}

/**
 * Decodes a JSON value received on the wire into the internal form of `messageName` and validates
 * it with the contract's schema (field types, the SDK's rules, oneofs). Throws INVALID_ARGUMENT
 * naming every offending field.
 */
export function decodeMessage<Name extends MessageName>(messageName: Name, json: unknown, options: DecodeOptions | string = {}): MessageOf<Name> {
  const { pathPrefix = '', unknownFields, ignoredFields } = typeof options === 'string' ? { pathPrefix: options } : options;
  // Before anything recursive looks at it: a request nested thousands of levels deep must be
  // refused, not overflow a stack here, in the schema, or later in a projector.
  const deep = tooDeepAt(json, pathPrefix);
  if (deep !== undefined) throw KeystreamError.invalidArgument([{ field: deep, description: `nested deeper than ${MAX_NESTING_DEPTH} levels` }]);
  const decoder = new Decoder(unknownFields, ignoredFields);
  const internal = decoder.message(messageDescriptor(messageName), json, pathPrefix);
  if (internal === undefined) throw KeystreamError.invalidArgument(decoder.violations);
  // The schema also runs when decoding already failed, so one answer lists every bad field.
  const result = MESSAGE_SCHEMAS[messageName].safeParse(internal);
  const violations = [...decoder.violations];
  if (!result.success) {
    const reported = new Set(violations.map((violation) => violation.field));
    violations.push(...zodViolations(result.error, pathPrefix).filter((violation) => !reported.has(violation.field)));
  }
  const reported = new Set(violations.map((violation) => violation.field));
  violations.push(...requiredViolations(messageDescriptor(messageName), internal, pathPrefix).filter((violation) => !reported.has(violation.field)));
  if (violations.length > 0 || !result.success) throw KeystreamError.invalidArgument(violations);
  return result.data as MessageOf<Name>;
}

/**
 * The SDK's `required` rules (rules.tsv) over a decoded request, at every depth: a required
 * message must be present, a required string non-empty. They govern what a request carries, so
 * they are checked here rather than in the schemas, which also check stored resources. Two places
 * carry partial resources on purpose and are checked only as far as they go: a CAS's conditional
 * state (compared under its own mask), and the resource of an update with an `update_mask`, whose
 * unmasked fields keep their stored values (a required field is checked when the mask covers it).
 */
function requiredViolations(descriptor: MessageDescriptor, value: Record<string, unknown>, path: string): FieldViolation[] {
  const mask = value['updateMask'];
  const masked = Array.isArray(mask) && mask.length > 0 ? mask.map((entry) => toInternalPath(String(entry))) : undefined;
  const violations: FieldViolation[] = [];
  for (const field of descriptor.fields) {
    if (field.jsonName === 'cas' && field.value.kind === 'message') continue;
    const fieldValue = value[field.jsonName];
    const fieldPath = joinPath(path, field.jsonName);
    if (field.rules.some((rule) => rule.kind === 'required') && (fieldValue === undefined || fieldValue === null || fieldValue === '')) {
      violations.push({ field: fieldPath, description: 'required' });
      continue;
    }
    if (field.value.kind !== 'message' || (!isObject(fieldValue) && !Array.isArray(fieldValue))) continue;
    const nested = messageDescriptor(field.value.messageName);
    if (field.cardinality === 'repeated' && Array.isArray(fieldValue)) {
      fieldValue.forEach((element, index) => {
        if (isObject(element)) violations.push(...requiredViolations(nested, element, joinPath(fieldPath, index)));
      });
    } else if (field.cardinality === 'map' && isObject(fieldValue)) {
      for (const [key, element] of Object.entries(fieldValue)) if (isObject(element)) violations.push(...requiredViolations(nested, element, joinPath(fieldPath, key)));
    } else if (isObject(fieldValue)) {
      violations.push(...(masked === undefined || field.jsonName === 'responseMask' ? requiredViolations(nested, fieldValue, fieldPath) : maskedViolations(nested, fieldValue, fieldPath, masked)));
    }
  }
  return violations;
}

/** {@link requiredViolations} of a resource under an update mask: only the fields the mask covers. */
function maskedViolations(descriptor: MessageDescriptor, value: Record<string, unknown>, path: string, masked: readonly string[]): FieldViolation[] {
  const covered = (field: FieldDescriptor): boolean =>
    masked.some((entry) => entry === field.jsonName || entry.startsWith(`${field.jsonName}.`));
  const partial: Record<string, unknown> = {};
  const checked = descriptor.fields.filter(covered);
  for (const field of checked) if (value[field.jsonName] !== undefined) partial[field.jsonName] = value[field.jsonName];
  const restricted: MessageDescriptor = { ...descriptor, fields: checked };
  return requiredViolations(restricted, partial, path);
}

/**
 * The internal form of one field's wire value, without schema checks, or undefined when it does
 * not decode: lets the REST edge tell whether two spellings of a field (query string and body)
 * mean the same value (`"5"` and `5` for an int64, `1` and `"NAME"` for an enum).
 */
export function normalizeFieldValue(field: FieldDescriptor, value: unknown): unknown {
  const decoder = new Decoder('ignore');
  const decoded = decoder.field(field, value, field.jsonName);
  return decoder.violations.length === 0 ? decoded : undefined;
}

function encodeValue(type: FieldValueType, value: unknown): JsonValue {
  if (type.kind === 'message') return encodeWith(messageDescriptor(type.messageName), value as Record<string, unknown>);
  if (type.kind === 'scalar') {
    if (type.scalar === 'int64') return String(value);
    // The protobuf JSON mapping writes FieldMask paths in lowerCamelCase (what strict parsers require).
    if (type.scalar === 'fieldMask') return (value as string[]).map((path) => path.split('.').map(snakeToCamel).join('.')).join(',');
  }
  return value as JsonValue;
}

/**
 * The oneof members an encoding leaves out: when stored data holds two members of a group (written
 * before groups were enforced), only the one with the highest field number is kept — the one a
 * protobuf parser reading the fields in number order would keep — so no response carries two.
 */
function shadowedOneofMembers(descriptor: MessageDescriptor, value: Record<string, unknown>): Set<string> | undefined {
  let shadowed: Set<string> | undefined;
  for (const oneof of descriptor.oneofs) {
    const set = oneof.fields.filter((field) => value[field.jsonName] !== undefined && value[field.jsonName] !== null);
    if (set.length < 2) continue;
    const kept = set.reduce((best, field) => (field.number > best.number ? field : best));
    shadowed ??= new Set();
    for (const field of set) if (field !== kept) shadowed.add(field.jsonName);
  }
  return shadowed;
}

function encodeWith(descriptor: MessageDescriptor, value: Record<string, unknown>): JsonObject {
  const output: JsonObject = {};
  const shadowed = descriptor.oneofs.length === 0 ? undefined : shadowedOneofMembers(descriptor, value);
  for (const field of descriptor.fields) {
    const fieldValue = value[field.jsonName];
    if (fieldValue === undefined || fieldValue === null || shadowed?.has(field.jsonName) === true) continue;
    if (field.cardinality === 'repeated') {
      output[field.jsonName] = (fieldValue as unknown[]).map((element) => encodeValue(field.value, element));
    } else if (field.cardinality === 'map') {
      const map: JsonObject = {};
      for (const [key, element] of Object.entries(fieldValue as Record<string, unknown>)) map[key] = encodeValue(field.value, element);
      output[field.jsonName] = map;
    } else {
      output[field.jsonName] = encodeValue(field.value, fieldValue);
    }
  }
  return output;
}

/** Encodes an internal message for the wire (lowerCamelCase JSON, int64 as strings). */
export function encodeMessage<Name extends MessageName>(messageName: Name, value: MessageOf<Name>): JsonObject {
  return encodeWith(messageDescriptor(messageName), value);
}

/** A field path as accepted on the wire (either case) → the internal lowerCamelCase path. */
export function toInternalPath(path: string): string {
  return snakeToCamel(path);
}

/** An internal lowerCamelCase path → the proto snake_case path. */
export function toProtoPath(path: string): string {
  return camelToSnake(path);
}
