/**
 * The smallest wire-JSON value of a message that the contract accepts: only the fields the SDK
 * requires (`rules.tsv`), each with a value its rules allow, recursively. Tests start from it and
 * add what they exercise.
 */
import { messageDescriptor, type FieldDescriptor } from '../registry/messageRegistry.js';

/** A PEM block, for required PEM fields. */
export const SAMPLE_PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';

function requiredValue(field: FieldDescriptor): unknown {
  if (field.value.kind === 'message') return minimalMessage(field.value.messageName);
  if (field.rules.some((rule) => rule.kind === 'pem')) return SAMPLE_PEM;
  if (field.rules.some((rule) => rule.kind === 'email')) return 'alice@example.com';
  if (field.value.kind === 'enum') return undefined;
  return field.value.scalar === 'string' ? 'x1' : undefined;
}

/** Wire JSON of `messageName` holding exactly its required fields (lowerCamelCase names). */
export function minimalMessage(messageName: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of messageDescriptor(messageName).fields) {
    if (!field.rules.some((rule) => rule.kind === 'required')) continue;
    const value = requiredValue(field);
    if (value !== undefined) result[field.jsonName] = field.cardinality === 'repeated' ? [value] : value;
  }
  return result;
}
