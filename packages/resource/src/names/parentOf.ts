/**
 * The parent of a resource name.
 */
import type { ResourceDescriptor } from '@keystream/api';
import { parseName } from './parseName.js';

/** The parent name of `name` (`''` for a top-level resource); validates `name` first. */
export function parentOf(descriptor: ResourceDescriptor, name: string): string {
  return parseName(descriptor, name).parent;
}
