import type { SortSpec } from './readStore.js';

/** One sort key: a dotted field path and its direction. */
export type SortKey = readonly [path: string, direction: 1 | -1];

/**
 * Turns a sort spec into keys with `name` ascending as the final tie-break (unless the spec
 * already orders by name), so every order is total and pages are stable.
 */
export function normalizeSort(sort: SortSpec | undefined): readonly SortKey[] {
  const keys: SortKey[] = Object.entries(sort ?? {}).map(([path, direction]) => [path, direction]);
  if (!keys.some(([path]) => path === 'name')) keys.push(['name', 1]);
  return keys;
}
