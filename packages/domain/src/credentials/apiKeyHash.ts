/**
 * API keys are stored only as a hash: an internal stream per hash, `ApiKeyHash-<sha256 hex>`, with
 * one `ApiKeyHashRegistered` event naming the ServiceAccountKey it belongs to. Authentication is
 * then one stream read. The event carries no `resource`, so it projects to no read-model document
 * and the secret itself never enters the log.
 */
import type { JsonObject } from '../events/resourceEvents.js';

/** Kind part of the internal stream (not a resource kind of the contract). */
export const API_KEY_HASH_KIND = 'ApiKeyHash';
/** The event type that registers a hash. */
export const API_KEY_HASH_REGISTERED = 'ApiKeyHashRegistered';

const HASH = /^[0-9a-f]{64}$/;

/** The stream holding the registration of one API key hash. */
export function apiKeyHashStreamOf(hash: string): string {
  if (!HASH.test(hash)) throw new Error('an API key hash is 64 lower-case hex digits (SHA-256)');
  return `${API_KEY_HASH_KIND}-${hash}`;
}

/** Data of the registration event: the key's name, never the secret. */
export function apiKeyHashRegisteredData(keyName: string): JsonObject {
  return { key: keyName };
}

/** The key name a registration event names, if the event is one. */
export function keyNameOfRegistration(event: { readonly type: string; readonly data: Readonly<Record<string, unknown>> }): string | undefined {
  if (event.type !== API_KEY_HASH_REGISTERED) return undefined;
  const key = event.data['key'];
  return typeof key === 'string' ? key : undefined;
}
