/**
 * Positions as the read store sees them: the event store's opaque, fixed-width position strings
 * (see `@keystream/eventstore`). The read store never parses them; it only orders them, and
 * because they have one width per store, string order is position order (also in MongoDB).
 */

/** An event-store position (opaque string; `''` is before everything). */
export type Position = string;

/** Orders positions: shorter first (so `''` leads), then by string. */
export function comparePositions(a: Position, b: Position): number {
  if (a.length !== b.length) return a.length - b.length;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
