/**
 * Global positions in `$all`.
 *
 * A position is an opaque string chosen by the adapter that wrote it. Within one store every
 * position has the same width, so comparing two positions is comparing the strings; the empty
 * string is {@link START_POSITION}, before every event. Other packages (read store, watch resume
 * tokens, the `x-keystream-min-position` header) carry positions around without parsing them.
 */

/** An opaque, totally ordered position in the global event log. */
export type Position = string;

/** The position before the first event: reading or subscribing from here yields everything. */
export const START_POSITION: Position = '';

/**
 * Orders two positions of the same store: negative when `a` is earlier, zero when equal, positive
 * when later. Shorter strings sort first so {@link START_POSITION} precedes every real position
 * even if a caller mixes widths by mistake.
 */
export function comparePositions(a: Position, b: Position): number {
  if (a.length !== b.length) return a.length - b.length;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
