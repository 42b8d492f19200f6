/**
 * Proto field paths (`invitation.language_code`) applied to JSON resources (`invitation.languageCode`).
 */
import { snakeToCamel } from '@keystream/kernel';
import type { JsonObject } from './restClient.js';

/** `display_name` → `displayName`, segment by segment. */
export function jsonPath(protoPath: string): string {
  return snakeToCamel(protoPath);
}

/** The value at a proto path of a JSON object. */
export function valueAt(resource: JsonObject, protoPath: string): unknown {
  let node: unknown = resource;
  for (const part of jsonPath(protoPath).split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as JsonObject)[part];
  }
  return node;
}

/** A copy of the object with the value set at a proto path (intermediate objects created). */
export function withValueAt(resource: JsonObject, protoPath: string, value: unknown): JsonObject {
  const [head, ...rest] = jsonPath(protoPath).split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...resource, [head]: value };
  const child = resource[head];
  const base = typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as JsonObject) : {};
  return { ...resource, [head]: withValueAt(base, rest.join('.'), value) };
}
