/**
 * Reading and writing values at canonical (dotted, camelCase) paths of plain JSON objects.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import { isObject, snakeToCamel } from '@keystream/kernel';


/** The value at a dotted path, or undefined. */
export function getAt(document: JsonObject, path: string): unknown {
  let node: unknown = document;
  for (const part of path.split('.')) {
    if (!isObject<JsonObject>(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** `document` without the key (a copy). */
function without(document: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(document).filter(([candidate]) => candidate !== key));
}

/** A copy of `document` with the value at `path` replaced (undefined removes it); parents are created. */
export function withValueAt(document: JsonObject, path: string, value: unknown): JsonObject {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return value === undefined ? without(document, head) : { ...document, [head]: value as JsonObject[string] };
  const current = document[head];
  const child = isObject<JsonObject>(current) ? current : {};
  const updated = withValueAt(child, rest.join('.'), value);
  if (Object.keys(updated).length === 0 && value === undefined) return without(document, head);
  return { ...document, [head]: updated };
}

/** lower_snake proto path → canonical camelCase path. */
export function canonicalPath(protoPath: string): string {
  return snakeToCamel(protoPath);
}
