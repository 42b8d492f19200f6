/**
 * zod schemas for the protobuf scalar and well-known types, in keystream's internal form.
 *
 * Internally a resource is plain JSON-compatible data with lowerCamelCase keys: int64 values are
 * JavaScript numbers (safe integers; the wire codec turns them into strings on the way out),
 * timestamps are RFC 3339 strings, bytes are base64 strings, a FieldMask is the list of its paths
 * and a Struct is a JSON object.
 */
import { z } from 'zod';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** int32: an integer in [-2^31, 2^31). */
export function int32(): z.ZodNumber {
  return z.number().int().min(INT32_MIN).max(INT32_MAX);
}

/** uint32: an integer in [0, 2^32). */
export function uint32(): z.ZodNumber {
  return z.number().int().min(0).max(UINT32_MAX);
}

/** int64, limited to JavaScript's safe integers (2^53): larger values are rejected, never rounded. */
export function int64(): z.ZodNumber {
  return z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
}

/** bytes: standard base64 (the protobuf JSON mapping of bytes). */
export function bytes(): z.ZodString {
  return z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected standard base64');
}

/** google.protobuf.Timestamp: an RFC 3339 date-time with a zone offset. */
export function timestamp(): z.ZodString {
  return z.string().regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/,
    'expected an RFC 3339 timestamp such as 2024-01-31T12:00:00Z',
  );
}

/** A single field path of a FieldMask: dot-separated segments. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[^.\s,]+)*$/;

/** google.protobuf.FieldMask as the list of its paths. */
export function fieldMask(): z.ZodArray<z.ZodString> {
  return z.array(z.string().regex(FIELD_PATH, 'expected a field path such as display_name or metadata.labels.env'));
}

/** google.protobuf.Struct: any JSON object. */
export function struct(): z.ZodRecord<z.ZodString, z.ZodUnknown> {
  return z.record(z.string(), z.unknown());
}

/** An email address, or empty (the SDK checks the address only when one is given). */
export function emailAddress(): z.ZodString {
  return z.string().regex(/^$|^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an email address such as alice@example.com');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----/;

/** PEM text (one or more `-----BEGIN …-----` blocks), or empty. */
export function pem(): z.ZodString {
  return z.string().refine((value) => value === '' || PEM_BLOCK.test(value), 'expected PEM text (-----BEGIN …----- base64 -----END …-----)');
}

/** A string that must be one of `values`. */
export function oneOfStrings(values: readonly string[]): z.ZodString {
  return z.string().refine((value) => values.includes(value), `expected one of ${values.map((value) => JSON.stringify(value)).join(', ')}`);
}
