/**
 * Protobuf messages ⇄ the protobuf JSON mapping the contract's wire codec speaks (lowerCamelCase
 * names, int64 as strings, enums by name, bytes as base64, Timestamp as RFC 3339, FieldMask as
 * paths, Struct as a JSON object). Driven by the descriptors, so it has no per-message code: a
 * gRPC request becomes exactly the JSON a REST client would have sent, and goes through the same
 * decoder and validation.
 */
import { camelToSnake, snakeToCamel } from '@keystream/kernel';
import protobuf from 'protobufjs';

type Json = Record<string, unknown>;

/** A field's JSON name: its declared json_name (ntt.api.ServiceAccount keeps snake_case), else lowerCamelCase. */
export function jsonNameOf(field: protobuf.Field): string {
  const declared = (field.options as Record<string, unknown> | undefined)?.['json_name'];
  return typeof declared === 'string' ? declared : snakeToCamel(field.name);
}

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function timestampToJson(value: { seconds?: unknown; nanos?: number }): string {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  const whole = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  // Millisecond precision as the service's own timestamps (toISOString), finer only when sent finer.
  const fraction = String(nanos).padStart(9, '0');
  const digits = fraction.endsWith('000000') ? 3 : fraction.endsWith('000') ? 6 : 9;
  return `${whole}.${fraction.slice(0, digits)}Z`;
}

function timestampFromJson(text: unknown): { seconds: number; nanos: number } {
  const match = typeof text === 'string' ? /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text) : null;
  const millis = match === null ? Number.NaN : Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`);
  // An unreadable time reaches the contract's decoder as a string it will name as invalid.
  if (Number.isNaN(millis)) throw new TypeError(`not an RFC 3339 timestamp: ${String(text)}`);
  return { seconds: Math.floor(millis / 1000), nanos: Number((match?.[2] ?? '').padEnd(9, '0')) };
}

/**
 * google.protobuf.Value's members. protobufjs supplies the well-known types from its own bundled
 * definitions, which name fields in lowerCamelCase whatever the loading options.
 */
function valueToJson(value: Json): unknown {
  // Own properties only: a decoded message's prototype carries every field's default.
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(value, name) && value[name] !== null && value[name] !== undefined;
  if (has('numberValue')) return value['numberValue'];
  if (has('stringValue')) return value['stringValue'];
  if (has('boolValue')) return value['boolValue'];
  if (has('structValue')) return structToJson(value['structValue'] as Json);
  if (has('listValue')) return ((value['listValue'] as Json)['values'] as Json[] | undefined ?? []).map(valueToJson);
  return null;
}

function structToJson(struct: Json): Json {
  const output: Json = {};
  for (const [key, value] of Object.entries((struct['fields'] as Record<string, Json> | undefined) ?? {})) output[key] = valueToJson(value);
  return output;
}

function valueFromJson(value: unknown): Json {
  if (value === null || value === undefined) return { nullValue: 0 };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(valueFromJson) } };
  return { structValue: structFromJson(value as Json) };
}

function structFromJson(json: Json): Json {
  const fields: Record<string, Json> = {};
  for (const [key, value] of Object.entries(json)) fields[key] = valueFromJson(value);
  return { fields };
}

function scalarToJson(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? value;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as protobuf.Message);
  if (INT64.has(field.type)) return String(value);
  if (field.type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  return value;
}

/** A decoded protobuf message → its protobuf JSON form (fields absent on the wire stay absent). */
export function messageToJson(type: protobuf.Type, message: protobuf.Message | Json): unknown {
  const plain = message as unknown as Json;
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return timestampToJson(plain);
    case '.google.protobuf.FieldMask':
      // Paths as sent (protobuf's are snake_case); the contract's decoder takes either case.
      return (plain['paths']) ?? [];
    case '.google.protobuf.Struct':
      return structToJson(plain);
    case '.google.protobuf.Value':
      return valueToJson(plain);
    default:
  }
  const output: Json = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(plain, field.name)) continue;
    const value = plain[field.name];
    if (value === null || value === undefined) continue;
    const name = jsonNameOf(field);
    if (field.map) {
      const entries = Object.entries(value as Json);
      if (entries.length === 0) continue;
      output[name] = Object.fromEntries(entries.map(([key, element]) => [key, scalarToJson(field, element)]));
    } else if (field.repeated) {
      const elements = value as unknown[];
      if (elements.length === 0) continue;
      output[name] = elements.map((element) => scalarToJson(field, element));
    } else {
      output[name] = scalarToJson(field, value);
    }
  }
  return output;
}

function scalarFromJson(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return objectFromJson(resolved, value);
  return value;
}

/** Protobuf JSON (as the wire codec encodes it) → the plain object `Type.fromObject` takes. */
function objectFromJson(type: protobuf.Type, json: unknown): unknown {
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return timestampFromJson(json);
    case '.google.protobuf.FieldMask':
      // A FieldMask's paths are proto field names on the protobuf wire.
      return { paths: (Array.isArray(json) ? (json as string[]) : String(json).split(',').filter((part) => part !== '')).map(camelToSnake) };
    case '.google.protobuf.Struct':
      return structFromJson(json as Json);
    case '.google.protobuf.Value':
      return valueFromJson(json);
    default:
  }
  const input = json as Json;
  const output: Json = {};
  for (const field of type.fieldsArray) {
    const value = input[jsonNameOf(field)] ?? input[field.name];
    if (value === undefined || value === null) continue;
    if (field.map) output[field.name] = Object.fromEntries(Object.entries(value as Json).map(([key, element]) => [key, scalarFromJson(field, element)]));
    else if (field.repeated) output[field.name] = (value as unknown[]).map((element) => scalarFromJson(field, element));
    else output[field.name] = scalarFromJson(field, value);
  }
  return output;
}

/** A protobuf JSON value (the wire codec's output) → the protobuf message of `type`. */
export function messageFromJson(type: protobuf.Type, json: unknown): protobuf.Message {
  return type.fromObject(objectFromJson(type, json) as Json);
}
