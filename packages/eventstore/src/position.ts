/**
 * Global positions in `$all`: the kernel's, re-exported because they are part of this port's
 * contract (every adapter writes fixed-width, lowercase hex).
 */
export { START_POSITION, comparePositions } from '@keystream/kernel';
export type { Position } from '@keystream/kernel';
