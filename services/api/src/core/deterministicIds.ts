/**
 * Identifiers derived from a request id, so that a retried request (same `x-request-id`) produces
 * the same generated resource id and the same event ids as the first attempt: the event store then
 * recognises the retry and nothing is appended twice.
 */
import { createHash, randomUUID } from 'node:crypto';

function digest(...parts: readonly string[]): Buffer {
  return createHash('sha256').update(parts.join('\n')).digest();
}

/** An RFC 9562 version-8 (custom) UUID from a hash: stable for the same inputs. */
export function derivedUuid(...parts: readonly string[]): string {
  const bytes = digest('keystream-event-id', ...parts).subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Event ids for a batch: derived from the request id when there is one, random otherwise. */
export function eventIdsFor(requestId: string | undefined, stream: string, count: number): string[] {
  return Array.from({ length: count }, (_unused, index) => (requestId === undefined ? randomUUID() : derivedUuid(requestId, stream, String(index))));
}

/** A byte source for id generation: seeded by the request id when there is one. */
export function idRandomSource(requestId: string | undefined, ...scope: readonly string[]): ((size: number) => Uint8Array) | undefined {
  if (requestId === undefined) return undefined;
  let counter = 0;
  return (size: number) => {
    const bytes = Buffer.alloc(size);
    let offset = 0;
    while (offset < size) {
      offset += digest('keystream-resource-id', requestId, ...scope, String(counter++)).copy(bytes, offset);
    }
    return bytes;
  };
}

/** JSON with object keys sorted, so equal requests give equal text whatever order their fields came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  // undefined has no JSON text (JSON.stringify answers undefined, whatever its declared type says).
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * What makes two requests under one request id "the same request": the actor and the request as
 * sent, compared as a digest (kept in the events' metadata, so it costs no extra read).
 */
export function requestFingerprint(actor: string, request: unknown): string {
  return createHash('sha256').update(canonicalJson({ actor, request })).digest('base64url');
}
