/**
 * Global positions in `$all`.
 *
 * A position is an opaque string chosen by the event-store adapter that wrote it. Within one store
 * every position has the same width, so comparing two positions is comparing the strings; the
 * empty string is {@link START_POSITION}, before every event. The read store, watch resume tokens
 * and the `x-keystream-min-position` header carry positions around without parsing them.
 */

/** An opaque, totally ordered position in the global event log. */
export type Position = string;

/** The position before the first event: reading or subscribing from here yields everything. */
export const START_POSITION: Position = '';

/** What a position looks like on the wire (header, resume token): lowercase hex, both adapters' form. */
const POSITION_TEXT = /^[0-9a-f]{1,64}$/;

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

/** The later of two positions. */
export function laterPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}

/**
 * Whether `text`, received from a caller, has the form of a position a write answered (it may
 * still name a position the log has not reached). {@link START_POSITION} is not accepted here:
 * callers treat an empty value as "no position" before asking.
 */
export function isPositionText(text: string): boolean {
  return POSITION_TEXT.test(text);
}
