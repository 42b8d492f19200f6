/**
 * Position arithmetic the watch engine needs. Positions are the read store's opaque, fixed-width
 * strings (docs/stores.md): shorter first, then string order; `''` precedes everything.
 */
import type { Position } from '@keystream/readstore';

/** Orders positions the way the read store does. */
export function comparePositions(a: Position, b: Position): number {
  if (a.length !== b.length) return a.length - b.length;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** The later of two positions. */
export function laterPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}
