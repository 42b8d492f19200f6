/**
 * Size limits on every request, for what the SDK's validation rules (`rules.tsv`, enforced by the
 * generated schemas) leave unbounded: how deep a request may nest, how long any string may be,
 * how many items a list and how many entries a map may hold, and what a map or Struct key may be.
 * A rule of `rules.tsv` that is stricter still applies on top (e.g. `displayName` max 256).
 *
 * These bound what one request can make keystream store and later evaluate (a projector, a
 * filter, an authorization check): docs/security.md, "Limits", lists them.
 */
import type { FieldViolation } from '../errors/keystreamError.js';
import type { FieldDescriptor } from '../registry/messageRegistry.js';

/** Deepest nesting of objects and arrays in a request's JSON (Struct values included). */
export const MAX_NESTING_DEPTH = 32;
/** Longest string, in characters, of a field without a longer limit below. */
export const MAX_STRING_LENGTH = 4096;
/** Longest filter, in characters (goten's limit; the filter's cost is bounded separately). */
export const MAX_FILTER_STRING_LENGTH = 128 * 1024;
/** Longest key material, certificate, token or opaque blob, in characters. */
export const MAX_LONG_STRING_LENGTH = 64 * 1024;
/** Most items of one list (repeated field or Struct list). */
export const MAX_LIST_ITEMS = 1000;
/** Most entries of one map or Struct object. */
export const MAX_MAP_ENTRIES = 256;
/** Longest map or Struct key, in characters. */
export const MAX_KEY_LENGTH = 256;

/** Fields (JSON names) holding key material, certificates, tokens or opaque blobs. */
const LONG_STRING_FIELDS: ReadonlySet<string> = new Set([
  'publicKeyData',
  'privateKeyData',
  'privateKey',
  'pubkeyPem',
  'idToken',
  'authToken',
  'accessToken',
  'refreshToken',
  'attestationToken',
  'signature',
  'ekcert',
  'ekpub',
  'akpub',
  'attest',
  'quote',
  'creationData',
  'manufacturerRootCaCertsPem',
  'jsonKey',
  'secretEncryptedByCred',
  'credEncryptedByEkpub',
  'akActivationDecryptedSecret',
  'pageToken',
  'nextPageToken',
  'prevPageToken',
  'resumeToken',
  'expression',
]);

/** The longest string a field (or each of its elements) may hold. */
export function maxStringLengthOf(field: FieldDescriptor): number {
  if (field.jsonName === 'filter') return MAX_FILTER_STRING_LENGTH;
  if (field.value.kind === 'scalar' && field.value.scalar === 'bytes') return MAX_LONG_STRING_LENGTH;
  return LONG_STRING_FIELDS.has(field.jsonName) ? MAX_LONG_STRING_LENGTH : MAX_STRING_LENGTH;
}

// C0 controls and DEL: a key holding one cannot be shown, logged or stored (MongoDB refuses NUL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** What is wrong with a map or Struct key, or undefined. */
export function keyProblem(key: string): string | undefined {
  if (key.length > MAX_KEY_LENGTH) return `key of ${key.length} characters; at most ${MAX_KEY_LENGTH} are accepted`;
  if (CONTROL_CHARACTER.test(key)) return 'key contains a control character (NUL, newline, …)';
  return undefined;
}

/**
 * The first place where a JSON value nests deeper than {@link MAX_NESTING_DEPTH}, or undefined.
 * Iterative, so no input can exhaust the stack while it is being measured.
 */
export function tooDeepAt(json: unknown, prefix = '', maxDepth = MAX_NESTING_DEPTH): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: json, depth: 0, path: prefix }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return path === '' ? '(request)' : path;
    if (Array.isArray(value)) value.forEach((entry, index) => stack.push({ value: entry, depth: depth + 1, path: `${path}[${index}]` }));
    else for (const [key, entry] of Object.entries(value)) stack.push({ value: entry, depth: depth + 1, path: path === '' ? key : `${path}.${key}` });
  }
  return undefined;
}

/** Checks a Struct value (any JSON) against the string, list and key limits; adds violations. */
export function checkStructLimits(value: unknown, path: string, violations: FieldViolation[]): void {
  const stack: { value: unknown; path: string }[] = [{ value, path }];
  while (stack.length > 0 && violations.length < 100) {
    const current = stack.pop() as { value: unknown; path: string };
    const node = current.value;
    if (typeof node === 'string') {
      if (node.length > MAX_STRING_LENGTH) violations.push({ field: current.path, description: `string of ${node.length} characters; at most ${MAX_STRING_LENGTH} are accepted` });
    } else if (Array.isArray(node)) {
      if (node.length > MAX_LIST_ITEMS) violations.push({ field: current.path, description: `list of ${node.length} items; at most ${MAX_LIST_ITEMS} are accepted` });
      else node.forEach((entry, index) => stack.push({ value: entry, path: `${current.path}[${index}]` }));
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (entries.length > MAX_MAP_ENTRIES) {
        violations.push({ field: current.path, description: `object of ${entries.length} keys; at most ${MAX_MAP_ENTRIES} are accepted` });
        continue;
      }
      for (const [key, entry] of entries) {
        const problem = keyProblem(key);
        if (problem !== undefined) violations.push({ field: `${current.path}.${JSON.stringify(key).slice(0, 60)}`, description: problem });
        else stack.push({ value: entry, path: `${current.path}.${key}` });
      }
    }
  }
}
