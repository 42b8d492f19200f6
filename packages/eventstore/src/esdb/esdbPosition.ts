import type { Position as EsdbPosition } from '@eventstore/db-client';
import { KeystreamError } from '@keystream/api';
import type { Position } from '../position.js';
import { START_POSITION } from '../position.js';

/** Each half of an EventStoreDB position is an unsigned 64-bit number: 16 hex digits. */
const HALF_WIDTH = 16;
const MAX_U64 = (1n << 64n) - 1n;

/**
 * Encodes an EventStoreDB `$all` position as our opaque position: commit then prepare, each as 16
 * hex digits. `$all` is ordered by commit first, then prepare, so string order is `$all` order.
 */
export function encodeEsdbPosition(position: EsdbPosition): Position {
  return hex(position.commit) + hex(position.prepare);
}

/** Decodes a position made by {@link encodeEsdbPosition}; `''` means the start of `$all`. */
export function decodeEsdbPosition(position: Position): EsdbPosition | 'start' {
  if (position === START_POSITION) return 'start';
  if (position.length !== HALF_WIDTH * 2 || !/^[0-9a-f]+$/.test(position)) {
    throw new KeystreamError('INVALID_ARGUMENT', `position "${position}" is not an EventStoreDB position (expected ${HALF_WIDTH * 2} lowercase hex digits or "")`);
  }
  return { commit: BigInt(`0x${position.slice(0, HALF_WIDTH)}`), prepare: BigInt(`0x${position.slice(HALF_WIDTH)}`) };
}

function hex(value: bigint): string {
  if (value < 0n || value > MAX_U64) throw new KeystreamError('INTERNAL', `EventStoreDB position half ${value} is outside the unsigned 64-bit range`);
  return value.toString(16).padStart(HALF_WIDTH, '0');
}
