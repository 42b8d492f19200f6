/**
 * A parsed field mask: canonical internal paths, without duplicates and without paths already
 * covered by a shorter one (`metadata` covers `metadata.labels`), sorted.
 */
import type { MessageDescriptor } from '@keystream/api';
import { resolveFieldPath } from './resolveFieldPath.js';

/** A field mask whose paths were checked against a message and put in canonical form. */
export interface FieldMask {
  readonly paths: readonly string[];
}

/** True when `path` equals `prefix` or lies below it. */
export function pathCovers(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`);
}

/** Canonical form of already-canonical paths: deduplicated, covered paths dropped, sorted. */
export function fieldMaskOf(paths: Iterable<string>): FieldMask {
  const sorted = [...new Set(paths)].sort();
  const kept: string[] = [];
  for (const path of sorted) if (!kept.some((prefix) => pathCovers(prefix, path))) kept.push(path);
  return { paths: kept };
}

/**
 * Parses the paths of a FieldMask as the caller wrote them (snake_case or lowerCamelCase field
 * names, map keys verbatim) against `message`. Unknown paths are INVALID_ARGUMENT naming
 * `requestField`.
 */
export function parseFieldMask(message: MessageDescriptor, paths: readonly string[], requestField = 'field_mask'): FieldMask {
  return fieldMaskOf(paths.map((path) => resolveFieldPath(message, path.trim(), requestField).path));
}
