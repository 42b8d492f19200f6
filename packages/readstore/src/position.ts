/**
 * Positions as the read store sees them: the event store's opaque, fixed-width position strings.
 * The read store never parses them; it only orders them, and because they have one width per
 * store, string order is position order (also in MongoDB).
 */
export { comparePositions } from '@keystream/kernel';
export type { Position } from '@keystream/kernel';
