/**
 * The paths that differ between two versions of a resource (watch change filtering,
 * `updated_fields_only`, CAS error messages).
 */
import { messageDescriptor, type FieldDescriptor, type MessageDescriptor } from '@keystream/api';
import { isObject } from '@keystream/kernel';
import { deepEqual } from './jsonValues.js';

function diffMessage(message: MessageDescriptor, before: Record<string, unknown>, after: Record<string, unknown>, prefix: string, out: string[]): void {
  const known = new Set<string>();
  for (const field of message.fields) {
    known.add(field.jsonName);
    diffField(field, before[field.jsonName], after[field.jsonName], `${prefix}${field.jsonName}`, out);
  }
  // Keys the descriptor does not know (should not happen for validated documents) still count.
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!known.has(key) && !deepEqual(before[key], after[key])) out.push(`${prefix}${key}`);
  }
}

function diffField(field: FieldDescriptor, before: unknown, after: unknown, path: string, out: string[]): void {
  if (deepEqual(before, after)) return;
  if (field.cardinality === 'map' && (isObject(before) || before === undefined) && (isObject(after) || after === undefined)) {
    const left = before ?? {};
    const right = after ?? {};
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
    if (keys.length === 0) {
      out.push(path);
      return;
    }
    for (const key of keys) {
      const entryPath = `${path}.${key}`;
      const leftEntry = left[key];
      const rightEntry = right[key];
      if (field.value.kind === 'message' && isObject(leftEntry) && isObject(rightEntry)) {
        diffMessage(messageDescriptor(field.value.messageName), leftEntry, rightEntry, `${entryPath}.`, out);
      } else if (!deepEqual(leftEntry, rightEntry)) out.push(entryPath);
    }
    return;
  }
  if (field.cardinality === 'single' && field.value.kind === 'message' && isObject(before) && isObject(after)) {
    diffMessage(messageDescriptor(field.value.messageName), before, after, `${path}.`, out);
    return;
  }
  out.push(path);
}

/**
 * Sorted canonical paths at which `after` differs from `before`: the leaf fields of nested
 * messages, one path per changed map entry (`metadata.labels.env`), whole repeated fields, and a
 * message field itself when it appears or disappears.
 */
export function diffPaths(message: MessageDescriptor, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  diffMessage(message, before ?? {}, after ?? {}, '', out);
  return out.sort();
}
