/**
 * fast-check arbitraries for any message of the contract, in keystream's internal form, driven by
 * the message registry. Published under `@keystream/api/testing` for other packages' tests.
 */
import fc from 'fast-check';
import { enumDescriptor, messageDescriptor, type FieldDescriptor, type FieldValueType } from '../registry/messageRegistry.js';

const timestampArbitrary = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

const fieldPathArbitrary = fc
  .array(fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,8}$/), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('.'));

const jsonLeafArbitrary = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));

function valueArbitrary(type: FieldValueType, depth: number): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'enum':
      return fc.constantFrom(...enumDescriptor(type.enumName).values);
    case 'message':
      return messageArbitrary(type.messageName, depth + 1);
    case 'scalar':
      switch (type.scalar) {
        case 'string':
          return fc.string({ maxLength: 12 });
        case 'bool':
          return fc.boolean();
        case 'int32':
          return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
        case 'uint32':
          return fc.integer({ min: 0, max: 2 ** 32 - 1 });
        case 'int64':
          return fc.maxSafeInteger();
        case 'bytes':
          return fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('base64'));
        case 'timestamp':
          return timestampArbitrary;
        case 'fieldMask':
          return fc.array(fieldPathArbitrary, { maxLength: 3 });
        case 'struct':
          return fc.dictionary(fc.string({ maxLength: 6 }).filter((key) => key !== '__proto__'), jsonLeafArbitrary, { maxKeys: 3, noNullPrototype: true });
        default: {
          const unreachable: never = type.scalar;
          return unreachable;
        }
      }
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

function fieldArbitrary(field: FieldDescriptor, depth: number): fc.Arbitrary<unknown> {
  const element = valueArbitrary(field.value, depth);
  if (field.cardinality === 'repeated') return fc.array(element, { maxLength: 2 });
  if (field.cardinality === 'map') return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((key) => key !== '__proto__'), element, { maxKeys: 2, noNullPrototype: true });
  return element;
}

/** Nesting deeper than this leaves message fields unset, keeping samples small. */
const MAX_DEPTH = 4;

/** An arbitrary internal-form value of the named message; every field is independently present or absent. */
export function messageArbitrary(messageName: string, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const descriptor = messageDescriptor(messageName);
  const fields = descriptor.fields.filter((field) => depth < MAX_DEPTH || field.value.kind !== 'message');
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) record[field.jsonName] = fieldArbitrary(field, depth);
  return fc.record(record, { requiredKeys: [], noNullPrototype: true });
}
