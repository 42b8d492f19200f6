/**
 * Whether a change is visible through a mask: watches skip changes that touch no masked field.
 */
import type { FieldMask } from './fieldMask.js';
import { pathCovers } from './fieldMask.js';

/**
 * True when any changed path lies inside, equals, or contains a path of `mask`. An undefined mask
 * (whole resource) is touched by any change.
 */
export function maskTouches(mask: FieldMask | undefined, changedPaths: readonly string[]): boolean {
  if (mask === undefined) return changedPaths.length > 0;
  return changedPaths.some((changed) => mask.paths.some((masked) => pathCovers(masked, changed) || pathCovers(changed, masked)));
}
