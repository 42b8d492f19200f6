import { KeystreamError } from '@keystream/api';
import type { Position } from '../position.js';
import { START_POSITION } from '../position.js';

/** Width of an embedded position: 16 hex digits cover every safe integer sequence number. */
const WIDTH = 16;

/**
 * Encodes the embedded store's sequence number (1 for the first event) as a fixed-width hex
 * position, so string order is numeric order.
 */
export function encodeSequencePosition(sequence: number): Position {
  if (sequence === 0) return START_POSITION;
  return sequence.toString(16).padStart(WIDTH, '0');
}

/** Decodes a position written by {@link encodeSequencePosition}; `''` is sequence 0. */
export function decodeSequencePosition(position: Position): number {
  if (position === START_POSITION) return 0;
  if (position.length !== WIDTH || !/^[0-9a-f]+$/.test(position)) {
    throw new KeystreamError('INVALID_ARGUMENT', `position "${position}" is not an embedded event-store position (expected ${WIDTH} lowercase hex digits or "")`);
  }
  return Number.parseInt(position, 16);
}
