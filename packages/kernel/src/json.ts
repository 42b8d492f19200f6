/** JSON values as they travel in events, documents and wire messages, and the guard that tells objects apart. */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: a resource in its internal form, an event's data, a read-model document. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Whether `value` is an object that is neither null nor an array: a JSON object, or a message
 * decoded from one. The narrowed type is whatever the caller asks for (by default a record of
 * unknowns); the guard checks the shape only, not the values.
 */
// The caller names what the object is (a JsonObject, a wire message): one guard instead of one per type.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function isObject<T extends object = Record<string, unknown>>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
