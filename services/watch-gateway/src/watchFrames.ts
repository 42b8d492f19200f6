/**
 * The WebSocket protocol of the watch gateway (docs/watch.md):
 * client → server `{"id": "w1", "method": "WatchGroups", "request": {…wire JSON…}}` opens a watch
 * (or a bidirectional exchange such as Verify), with an optional `"minPosition"` (read-your-writes,
 * like the `x-keystream-min-position` header); `{"id": "w1", "request": {…}}` sends the next
 * message of an open exchange, `{"id": "w1", "cancel": true}` ends either; server → client
 * `{"id", "response": {…wire JSON…}}`, `{"id", "error": {code, status, message, details}}` (the
 * watch or exchange is over, the socket stays open), `{"id", "completed": true}` (an exchange
 * ended normally), `{"id", "cancelled": true}` (acknowledges a cancel).
 */
import { KeystreamError } from '@keystream/api';

/** A frame from a client. */
export type ClientFrame =
  | {
      readonly kind: 'open';
      readonly id: string;
      readonly method: string;
      readonly request: unknown;
      /** `minPosition`: the watch starts from a read model that has this write (read-your-writes). */
      readonly minPosition?: string | undefined;
    }
  | { readonly kind: 'continue'; readonly id: string; readonly request: unknown }
  | { readonly kind: 'cancel'; readonly id: string }
  /** `{"auth": "<token>"}`: the socket's bearer token, before any watch (docs/watch.md). */
  | { readonly kind: 'auth'; readonly token: string };

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** A position as writes answer it in `x-keystream-min-position`. */
const POSITION = /^[0-9a-f]{1,64}$/;

/**
 * The minimum position a watch must start from, as sent (the `x-keystream-min-position` header, or
 * the open frame's `minPosition`); INVALID_ARGUMENT naming `field` when it is not a position.
 */
export function parseMinPosition(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !POSITION.test(value)) throw invalid(field, 'expected a position as returned by a write (its x-keystream-min-position header)');
  return value;
}

function invalid(field: string, description: string): KeystreamError {
  return KeystreamError.invalidArgument([{ field, description }]);
}

/** Parses a text frame; INVALID_ARGUMENT naming the bad field. `id` is returned when it could be read. */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('frame', 'expected a JSON object {"id", "method", "request"} or {"id", "cancel": true}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('frame', 'expected a JSON object');
  const frame = value as Record<string, unknown>;
  if ('auth' in frame) {
    const token = frame['auth'];
    if (typeof token !== 'string' || token === '' || /\s/.test(token)) throw invalid('auth', 'expected the bearer token as a non-empty string without spaces');
    return { kind: 'auth', token };
  }
  const id = frame['id'];
  if (typeof id !== 'string' || !ID.test(id)) throw invalid('id', 'expected 1–128 characters of A-Z a-z 0-9 . _ : @ -');
  if (frame['cancel'] === true) return { kind: 'cancel', id };
  const method = frame['method'];
  if (method === undefined && frame['request'] !== undefined) return { kind: 'continue', id, request: frame['request'] };
  if (typeof method !== 'string' || method === '') throw invalid('method', 'expected the name of a Watch method, e.g. "WatchGroups"');
  return { kind: 'open', id, method, request: frame['request'] ?? {}, minPosition: parseMinPosition(frame['minPosition'], 'minPosition') };
}

/** The id of a frame that failed to parse, when it has a readable one (so the error can be routed). */
export function frameIdOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['id'] === 'string') return (value as Record<string, string>)['id'] ?? null;
  } catch {
    // not JSON: no id
  }
  return null;
}
