/**
 * Rewrites every timestamp field of a document into the stored form (see normalizeTimestamp).
 * The read store must store documents in this form so that filters, order_by and page cursors,
 * which compare timestamps as strings, agree with time order.
 */
import { messageDescriptor, type FieldDescriptor, type MessageDescriptor } from '@keystream/api';
import { normalizeTimestamp } from './normalizeTimestamp.js';
import { isObject } from '@keystream/kernel';


function normalizeValue(field: FieldDescriptor, value: unknown): unknown {
  if (field.value.kind === 'scalar' && field.value.scalar === 'timestamp') return typeof value === 'string' ? normalizeTimestamp(value, field.jsonName) : value;
  if (field.value.kind === 'message' && isObject(value)) return normalizeTimestamps(messageDescriptor(field.value.messageName), value);
  return value;
}

/** A copy of `document` (a message of type `message`) with every timestamp in the stored form. */
export function normalizeTimestamps<T extends Record<string, unknown>>(message: MessageDescriptor, document: T): T {
  const output: Record<string, unknown> = { ...document };
  for (const field of message.fields) {
    const value = output[field.jsonName];
    if (value === undefined) continue;
    if (field.cardinality === 'repeated' && Array.isArray(value)) output[field.jsonName] = value.map((element) => normalizeValue(field, element));
    else if (field.cardinality === 'map' && isObject(value)) {
      output[field.jsonName] = Object.fromEntries(Object.entries(value).map(([key, element]) => [key, normalizeValue(field, element)]));
    } else output[field.jsonName] = normalizeValue(field, value);
  }
  return output as T;
}
