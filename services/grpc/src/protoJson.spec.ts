/**
 * The protobuf ⇄ JSON-form conversion of the gRPC edge against the contract's wire codec: any
 * message of the contract survives internal → wire JSON → protobuf bytes → wire JSON → internal,
 * up to what proto3 itself cannot carry (a scalar at its default value is not sent).
 */
import { decodeMessage, encodeMessage, METHODS, RESOURCES, type MessageName } from '@keystream/api';
import { messageArbitrary } from '@keystream/api/testing';
import { camelToSnake } from '@keystream/kernel';
import { expect } from 'chai';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { loadProtoRoot } from './protoCatalog.js';
import { jsonNameOf, messageFromJson, messageToJson } from './protoJson.js';

const root = loadProtoRoot();

/** The protobuf type of a contract message (they share simple names within ntt.iam.v1, goten and ntt.api). */
function protoTypeOf(name: string): protobuf.Type {
  for (const scope of ['ntt.iam.v1', 'goten.types', 'goten.meta.v1', 'ntt.api']) {
    const found = root.lookup(`${scope}.${name}`);
    if (found instanceof protobuf.Type) return found;
  }
  throw new Error(`no protobuf type for ${name}`);
}

const WELL_KNOWN = new Set(['.google.protobuf.Timestamp', '.google.protobuf.FieldMask', '.google.protobuf.Struct', '.google.protobuf.Value']);

/** Drops what proto3 does not transmit: scalars and enums at their default, empty lists and maps (oneof members keep presence). */
function withoutDefaults(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const name = jsonNameOf(field);
    const element = value[name];
    if (element === undefined) continue;
    const nested = field.resolvedType instanceof protobuf.Type && !WELL_KNOWN.has(field.resolvedType.fullName) ? field.resolvedType : undefined;
    if (field.map) {
      if (Object.keys(element as object).length === 0) continue;
      output[name] = field.resolvedType?.fullName === '.google.protobuf.Timestamp' ? element : nested === undefined ? element : Object.fromEntries(Object.entries(element as Record<string, Record<string, unknown>>).map(([key, item]) => [key, withoutDefaults(nested, item)]));
    } else if (field.repeated) {
      if ((element as unknown[]).length === 0) continue;
      output[name] = nested === undefined ? element : (element as Record<string, unknown>[]).map((item) => withoutDefaults(nested, item));
    } else if (field.resolvedType?.fullName === '.google.protobuf.FieldMask') {
      output[name] = (element as string[]).map(camelToSnake);
    } else if (field.resolvedType?.fullName === '.google.protobuf.Timestamp') {
      output[name] = instantOf(element as string);
    } else if (nested !== undefined) {
      output[name] = withoutDefaults(nested, element as Record<string, unknown>);
    } else {
      const enumDefault = field.resolvedType instanceof protobuf.Enum ? field.resolvedType.valuesById[0] : undefined;
      const isDefault = element === '' || element === 0 || element === false || element === enumDefault || (element as unknown[]).length === 0;
      if (isDefault && field.partOf === null) continue;
      output[name] = element;
    }
  }
  return output;
}

/** A timestamp as the instant it names (seconds and nanoseconds), whatever its offset and precision. */
function instantOf(text: string): string {
  const match = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  return `${String(Date.parse(`${match?.[1] ?? ''}${match?.[3] ?? ''}`) / 1000)}s${(match?.[2] ?? '').padEnd(9, '0')}`;
}

function roundTrip(name: string, internal: Record<string, unknown>): unknown {
  const type = protoTypeOf(name);
  const bytes = type.encode(messageFromJson(type, encodeMessage(name as MessageName, internal as never))).finish();
  return decodeMessage(name as MessageName, messageToJson(type, type.decode(bytes)));
}

describe('protobuf ⇄ the contract JSON form', () => {
  const names = [...new Set([...RESOURCES.map((resource) => resource.kind as string), ...METHODS.flatMap((method) => [method.requestType, method.responseType]).filter((name) => name !== 'Empty')])];

  for (const name of names) {
    it(`should carry any ${name} through protobuf bytes`, () => {
      const type = protoTypeOf(name);
      fc.assert(
        fc.property(messageArbitrary(name), (internal) => {
          expect(withoutDefaults(type, roundTrip(name, internal) as Record<string, unknown>)).to.deep.equal(withoutDefaults(type, internal));
        }),
        { numRuns: 15 },
      );
    });
  }
});
