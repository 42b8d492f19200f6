/**
 * Read-your-writes on the wire (ARCHITECTURE.md §1): every write answers the position of its
 * append in this header, and a List/Search/BatchGet given it waits until the read model has
 * passed it.
 */
import type { Position } from './position.js';

/** Header carrying a position: answered by writes, honoured by queries. */
export const MIN_POSITION_HEADER = 'x-keystream-min-position';

/** The response headers announcing `position`; none for a write that appended nothing (`''`). */
export function minPositionHeaders(position: Position): Readonly<Record<string, string>> {
  return position === '' ? {} : { [MIN_POSITION_HEADER]: position };
}
