/**
 * One encoding for a message many streams send. The watch engine hands the same response object
 * to every watch of a fan-out group and marks it shared; each transport (WebSocket frames, gRPC
 * streams, NDJSON lines) asks {@link encodedOnce} for its bytes, so a change fanned out to 10k
 * watches is encoded once per transport, not 10k times. Unshared messages are simply encoded.
 */

const shared = new WeakSet<object>();
const encodings = new WeakMap<object, Map<string, unknown>>();

/** Marks `message` as sent unchanged by several streams. It must not be modified afterwards. */
export function markShared(message: object): void {
  shared.add(message);
}

/** True when `message` was marked with {@link markShared}. */
export function isShared(message: object): boolean {
  return shared.has(message);
}

/**
 * The encoding of `message` under `key` (a message type and wire format): remembered for a shared
 * message (as long as the message lives), computed each time otherwise.
 */
export function encodedOnce<T>(message: object, key: string, encode: () => T): T {
  if (!shared.has(message)) return encode();
  let byKey = encodings.get(message);
  if (byKey === undefined) {
    byKey = new Map();
    encodings.set(message, byKey);
  }
  if (byKey.has(key)) return byKey.get(key) as T;
  const encoded = encode();
  byKey.set(key, encoded);
  return encoded;
}
