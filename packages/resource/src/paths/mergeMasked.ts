/**
 * Masked update: the fields a mask names take their value from the update, every other field
 * keeps the stored value.
 */
import type { MessageDescriptor } from '@keystream/api';
import type { FieldMask } from './fieldMask.js';
import { isObject } from '@keystream/kernel';
import { cloneJson } from './jsonValues.js';
import { resolveFieldPath } from './resolveFieldPath.js';

function readPath(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (!isObject(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function writePath(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (isObject(next)) current = next;
    else {
      if (value === undefined) return; // nothing to delete below an absent message
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    }
  }
  const last = segments[segments.length - 1] as string;
  if (value === undefined) Reflect.deleteProperty(current, last);
  else current[last] = cloneJson(value);
}

/**
 * Returns `target` with the masked fields taken from `source` (a field absent from `source` is
 * cleared). A path below a repeated field replaces the whole repeated field: list elements have no
 * identity to merge by. Without a mask, `source` replaces `target` entirely.
 */
export function mergeMasked<T extends Record<string, unknown>>(message: MessageDescriptor, target: T, source: Readonly<Record<string, unknown>>, mask: FieldMask | undefined): T {
  // Without a mask the update is the new resource (the caller validated it as one).
  if (mask === undefined) return cloneJson(source) as T;
  const output = cloneJson(target) as Record<string, unknown>;
  for (const path of mask.paths) {
    const resolved = resolveFieldPath(message, path);
    const segments = resolved.firstRepeatedIndex >= 0 ? resolved.segments.slice(0, resolved.firstRepeatedIndex + 1) : resolved.segments;
    writePath(output, segments, readPath(source, segments));
  }
  return output as T;
}
