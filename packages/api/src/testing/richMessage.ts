/**
 * A wire-JSON value of a message with (almost) every field set, deterministically, each to a value
 * the contract accepts: strings, numbers, enums, int64 as strings, timestamps, field masks, maps and
 * lists, the first member of each oneof, nested messages to a bounded depth. Output-only fields are
 * left out (a request does not carry them). With `queryOnly`, what a query string cannot carry
 * (lists of messages, Structs, maps of messages) is left out too.
 */
import { enumDescriptor, messageDescriptor, type FieldDescriptor } from '../registry/messageRegistry.js';
import { SAMPLE_PEM } from './minimalMessage.js';

/** Options of {@link richMessage}. */
export interface RichMessageOptions {
  /** Leave out what a query string cannot carry. */
  readonly queryOnly?: boolean;
  /** Nesting deeper than this leaves message fields unset. */
  readonly maxDepth?: number;
}

function scalarValue(field: FieldDescriptor, index: number): unknown {
  const value = field.value;
  if (value.kind === 'enum') {
    const values = enumDescriptor(value.enumName).values;
    return values[Math.min(1, values.length - 1)];
  }
  if (value.kind === 'message') return undefined;
  for (const rule of field.rules) {
    if (rule.kind === 'email') return `user${index}@example.com`;
    if (rule.kind === 'pem') return SAMPLE_PEM;
    if (rule.kind === 'oneOfValues') return rule.values[rule.values.length - 1];
  }
  switch (value.scalar) {
    case 'string':
      return `${field.protoName.replaceAll('_', '-')}-${index}`;
    case 'bool':
      return true;
    case 'int32':
    case 'uint32':
      return 7 + index;
    case 'int64':
      return String(9 + index);
    case 'bytes':
      return 'AAEC';
    case 'timestamp':
      return '2024-01-02T03:04:05Z';
    case 'fieldMask':
      return 'display_name,metadata.labels';
    case 'struct':
      return { answer: 42 };
    default: {
      const unreachable: never = value.scalar;
      return unreachable;
    }
  }
}

/** The sample value of `messageName`. */
export function richMessage(messageName: string, options: RichMessageOptions = {}, depth = 0): Record<string, unknown> {
  const { queryOnly = false, maxDepth = 3 } = options;
  const message = messageDescriptor(messageName);
  const result: Record<string, unknown> = {};
  const oneofsSet = new Set<string>();
  for (const field of message.fields) {
    if (field.outputOnly) continue;
    if (field.oneof !== undefined) {
      if (oneofsSet.has(field.oneof)) continue;
      oneofsSet.add(field.oneof);
    }
    let value: unknown;
    if (field.value.kind === 'message') {
      if (depth >= maxDepth || (queryOnly && field.cardinality !== 'single')) continue;
      const nested = richMessage(field.value.messageName, options, depth + 1);
      // An empty message has no query-string form (and sets nothing a test could see).
      if (Object.keys(nested).length === 0) continue;
      value = field.cardinality === 'map' ? { k1: nested } : field.cardinality === 'repeated' ? [nested] : nested;
    } else if (field.value.kind === 'scalar' && field.value.scalar === 'struct' && queryOnly) {
      continue;
    } else if (field.cardinality === 'repeated') {
      value = [scalarValue(field, 1), scalarValue(field, 2)];
    } else if (field.cardinality === 'map') {
      value = { k1: scalarValue(field, 1), k2: scalarValue(field, 2) };
    } else {
      value = scalarValue(field, 1);
    }
    if (value !== undefined) result[field.jsonName] = value;
  }
  return result;
}
