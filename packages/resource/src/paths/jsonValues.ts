/**
 * Small helpers over the internal JSON-shaped values (plain objects, arrays, scalars).
 */
import { isObject } from '@keystream/kernel';


/** Structural equality; object key order does not matter (protobuf messages have no key order). */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left)) {
    return Array.isArray(right) && left.length === right.length && left.every((element, index) => deepEqual(element, right[index]));
  }
  if (isObject(left) && isObject(right)) {
    const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
    const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
    return leftKeys.length === rightKeys.length && leftKeys.every((key) => deepEqual(left[key], right[key]));
  }
  return Number.isNaN(left) && Number.isNaN(right);
}

/** A deep copy of a JSON-shaped value. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * The value with protobuf default values dropped from objects ("" 0 false [] {} and absent are
 * indistinguishable in proto3), so two versions can be compared the way the wire would show them.
 */
export function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (!isObject(value)) return value;
  const output: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    const pruned = withoutDefaults(element);
    if (pruned === undefined || pruned === null || pruned === '' || pruned === 0 || pruned === false) continue;
    if (Array.isArray(pruned) && pruned.length === 0) continue;
    if (isObject(pruned) && Object.keys(pruned).length === 0) continue;
    output[key] = pruned;
  }
  return output;
}
