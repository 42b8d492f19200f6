/**
 * Page tokens: opaque to callers, self-describing to the server, tamper-evident.
 *
 * Format: `base64url(JSON [version, direction, inclusive, values, fingerprint]) "." base64url(HMAC-SHA256)`.
 * The HMAC key is supplied by the caller (configuration), so the kit stays free of I/O and state.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import type { SortValue } from '../ordering/sortValues.js';

/** A decoded page token. */
export interface PageToken {
  /** `next`: the items after the boundary; `prev`: the items before it. */
  readonly direction: 'next' | 'prev';
  /** Whether the boundary item itself belongs to the page. */
  readonly inclusive: boolean;
  /** The boundary item's sort-key values, in order_by order (absent = null). */
  readonly values: readonly SortValue[];
  /** queryFingerprint of the query the token belongs to. */
  readonly fingerprint: string;
}

/** Key of the page-token HMAC. */
export type PageTokenKey = string | Uint8Array;

const VERSION = 1;

function sign(key: PageTokenKey, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

function invalid(description: string): KeystreamError {
  return KeystreamError.invalidArgument([{ field: 'page_token', description }]);
}

function isSortValue(value: unknown): value is SortValue {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Encodes and signs a page token. */
export function encodePageToken(token: PageToken, key: PageTokenKey): string {
  const payload = Buffer.from(JSON.stringify([VERSION, token.direction === 'next' ? 'n' : 'p', token.inclusive ? 1 : 0, token.values, token.fingerprint])).toString('base64url');
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

/**
 * Verifies and decodes a page token. INVALID_ARGUMENT when it is malformed, was not signed with
 * `key`, or belongs to a query other than the one with `expectedFingerprint` (a different filter,
 * order_by or parent).
 */
export function decodePageToken(text: string, key: PageTokenKey, expectedFingerprint: string): PageToken {
  const [payload, signature, extra] = text.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined || payload === '') throw invalid('malformed page token: pass back a next_page_token or prev_page_token unchanged');
  const expected = sign(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('page token was not issued by this service or was altered');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed page token');
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) throw invalid('malformed page token');
  const [version, direction, inclusive, values, fingerprint] = decoded as unknown[];
  if (version !== VERSION || (direction !== 'n' && direction !== 'p') || (inclusive !== 0 && inclusive !== 1) || typeof fingerprint !== 'string') {
    throw invalid('malformed page token');
  }
  if (!Array.isArray(values) || !values.every(isSortValue)) throw invalid('malformed page token');
  if (fingerprint !== expectedFingerprint) {
    throw invalid('page token belongs to a different query: filter, order_by and parent must stay as in the request that returned it');
  }
  return { direction: direction === 'n' ? 'next' : 'prev', inclusive: inclusive === 1, values, fingerprint };
}
