/**
 * Page sizes.
 */
import { KeystreamError } from '@keystream/api';

/** Page size when the request gives none (ARCHITECTURE.md §4). */
export const DEFAULT_PAGE_SIZE = 100;

/** Largest page served; larger requests are served this many items (AIP-158 coercion). */
export const MAX_PAGE_SIZE = 1000;

/** The page size to serve for a requested one (0 or absent: the default). */
export function resolvePageSize(requested: number | undefined): number {
  if (requested === undefined || requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 0) {
    throw KeystreamError.invalidArgument([{ field: 'page_size', description: `expected a non-negative integer, got ${requested}` }]);
  }
  return Math.min(requested, MAX_PAGE_SIZE);
}
