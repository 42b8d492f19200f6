/**
 * Resolution of a field path, as a caller wrote it, against a message descriptor.
 *
 * Every other part of the kit (masks, filters, order_by, views) goes through here, so "which
 * paths exist" and "how a path is spelt internally" are decided once.
 */
import { KeystreamError, messageDescriptor, type FieldDescriptor, type MessageDescriptor } from '@keystream/api';

/** What the value found at the end of a path is. */
export type PathTarget =
  /** A field of a message (any cardinality). */
  | { readonly kind: 'field'; readonly field: FieldDescriptor }
  /** One entry of a map field, named by the key segment. */
  | { readonly kind: 'mapEntry'; readonly field: FieldDescriptor }
  /** Somewhere inside a google.protobuf.Struct: free-form JSON. */
  | { readonly kind: 'free' };

/** A field path resolved against a message. */
export interface ResolvedPath {
  /** Canonical internal path: lowerCamelCase field names, map keys verbatim, joined by dots. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly target: PathTarget;
  /** True when the path descends through a repeated message field (each element is visited). */
  readonly throughRepeated: boolean;
  /** Index of the first segment that names a repeated field, or -1. */
  readonly firstRepeatedIndex: number;
}

/** Thrown-as-INVALID_ARGUMENT description of why a path does not resolve. */
function unknownPath(requestField: string, message: MessageDescriptor, path: string, reason: string): KeystreamError {
  return KeystreamError.invalidArgument([{ field: requestField, description: `${message.name} has no field path "${path}": ${reason}` }]);
}

/**
 * Resolves `path` (snake_case or lowerCamelCase field names; map keys as written) against
 * `message`. Throws INVALID_ARGUMENT, attributed to `requestField`, when it names no field.
 */
export function resolveFieldPath(message: MessageDescriptor, path: string, requestField = 'field_mask'): ResolvedPath {
  const parts = path.split('.');
  if (path === '' || parts.some((part) => part === '')) throw unknownPath(requestField, message, path, 'empty path segment');
  const segments: string[] = [];
  let current: MessageDescriptor | undefined = message;
  let target: PathTarget | undefined;
  let throughRepeated = false;
  let firstRepeatedIndex = -1;
  for (const [index, part] of parts.entries()) {
    if (target !== undefined && current === undefined) {
      if (target.kind === 'free') {
        segments.push(part);
        continue;
      }
      if (target.kind === 'field' && target.field.cardinality === 'map') {
        // The segment after a map field is a key, kept verbatim (never case-converted).
        segments.push(part);
        target = { kind: 'mapEntry', field: target.field };
        current = target.field.value.kind === 'message' ? messageDescriptor(target.field.value.messageName) : undefined;
        continue;
      }
      const owner = segments.join('.');
      throw unknownPath(requestField, message, path, `"${owner}" is not a message, so it has no field "${part}"`);
    }
    if (current === undefined) throw unknownPath(requestField, message, path, `"${segments.join('.')}" has no fields`);
    const field = current.field(part);
    if (field === undefined) {
      const known = current.fields.map((candidate) => candidate.jsonName).join(', ');
      throw unknownPath(requestField, message, path, `"${part}" is not a field of ${current.name} (fields: ${known})`);
    }
    if (target?.kind === 'field' && target.field.cardinality === 'repeated') throughRepeated = true;
    segments.push(field.jsonName);
    target = { kind: 'field', field };
    if (field.cardinality === 'repeated' && firstRepeatedIndex < 0) firstRepeatedIndex = index;
    if (field.cardinality === 'map') current = undefined;
    else if (field.value.kind === 'message') current = messageDescriptor(field.value.messageName);
    else if (field.value.kind === 'scalar' && field.value.scalar === 'struct') {
      current = undefined;
      target = { kind: 'field', field };
      // Below a Struct any key is allowed: mark what follows as free-form.
      if (index < parts.length - 1) target = { kind: 'free' };
    } else current = undefined;
  }
  if (target === undefined) throw unknownPath(requestField, message, path, 'empty path');
  return { path: segments.join('.'), segments, target, throughRepeated, firstRepeatedIndex };
}
