/**
 * fast-check arbitraries for any message of the contract, in keystream's internal form, driven by
 * the message registry. Published under `@keystream/api/testing` for other packages' tests.
 */
import fc from 'fast-check';
import { enumDescriptor, messageDescriptor, type FieldDescriptor, type FieldValueType } from '../registry/messageRegistry.js';


import { SAMPLE_PEM } from './minimalMessage.js';

/** Values of one field that satisfy the SDK's rules on it (`rules.tsv`), or undefined when it has none that shape values. */
function ruledValueArbitrary(field: FieldDescriptor): fc.Arbitrary<unknown> | undefined {
  for (const rule of field.rules) {
    switch (rule.kind) {
      case 'email':
        return fc.stringMatching(/^[a-z]{1,8}@[a-z]{1,8}\.com$/);
      case 'pem':
        return fc.constant(SAMPLE_PEM);
      case 'oneOfValues':
        return fc.constantFrom(...rule.values);
      case 'maxLength':
        return fc.string({ minLength: field.rules.some((other) => other.kind === 'required') ? 1 : 0, maxLength: Math.min(rule.max, 12) });
      case 'range':
        return fc.integer({ min: rule.min, max: rule.max ?? 2 ** 31 - 1 });
      case 'required':
      case 'maxItems':
      case 'definedEnum':
        break;
      default: {
        const unreachable: never = rule;
        return unreachable;
      }
    }
  }
  if (field.rules.some((rule) => rule.kind === 'required') && field.value.kind === 'scalar' && field.value.scalar === 'string') return fc.string({ minLength: 1, maxLength: 12 });
  return undefined;
}

const timestampArbitrary = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

const fieldPathArbitrary = fc
  // proto field names (snake_case words): what a FieldMask path can hold in the JSON mapping.
  .array(fc.stringMatching(/^[a-z][a-z0-9]{0,4}(?:_[a-z][a-z0-9]{0,3}){0,2}$/), { minLength: 1, maxLength: 3 })
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
  const element = ruledValueArbitrary(field) ?? valueArbitrary(field.value, depth);
  if (field.cardinality === 'repeated') return fc.array(element, { maxLength: 2 });
  if (field.cardinality === 'map') return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((key) => key !== '__proto__'), element, { maxKeys: 2, noNullPrototype: true });
  return element;
}

/** Nesting deeper than this leaves message fields unset, keeping samples small. */
const MAX_DEPTH = 4;

/**
 * An arbitrary internal-form value of the named message that the contract accepts: every field is
 * independently present or absent, except that at most one member of each oneof group is set and
 * the fields the SDK requires are always present.
 */
export function messageArbitrary(messageName: string, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const descriptor = messageDescriptor(messageName);
  const required = new Set(descriptor.fields.filter((field) => field.rules.some((rule) => rule.kind === 'required')).map((field) => field.jsonName));
  const fields = descriptor.fields.filter((field) => required.has(field.jsonName) || depth < MAX_DEPTH || field.value.kind !== 'message');
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) record[field.jsonName] = fieldArbitrary(field, depth);
  const base = fc.record(record, { requiredKeys: [...required], noNullPrototype: true });
  if (descriptor.oneofs.length === 0) return base;
  // Per group, the one member allowed to stay (or none).
  const chosen = fc.tuple(...descriptor.oneofs.map((oneof) => fc.option(fc.constantFrom(...oneof.fields.map((field) => field.jsonName)), { nil: undefined })));
  return fc.tuple(base, chosen).map(([value, keep]) => {
    const dropped = new Set(descriptor.oneofs.flatMap((oneof, index) => oneof.fields.map((member) => member.jsonName).filter((name) => name !== keep[index])));
    return Object.fromEntries(Object.entries(value).filter(([key]) => !dropped.has(key)));
  });
}
