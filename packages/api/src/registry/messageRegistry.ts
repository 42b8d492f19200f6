/**
 * Runtime descriptors of every message and enum of the contract, built once from the generated
 * spec model plus the well-known types. The wire codec, the field-path machinery and the OpenAPI
 * generator all walk these descriptors, so a field's JSON name, type and cardinality are decided in
 * exactly one place.
 */
import { EXTENSION_ENUMS, EXTENSION_MESSAGES } from '../codegen/extensionModel.js';
import { WELL_KNOWN_ENUMS, WELL_KNOWN_MESSAGES } from '../codegen/wellKnownModel.js';
import { jsonName } from '../codegen/renderContract.js';
import type { SpecField, SpecStringRelation } from '../codegen/specParser.js';
import { SPEC_MODEL } from '../generated/specModel.js';

/** Scalar kinds of the protobuf JSON mapping that keystream distinguishes. */
export type ScalarKind = 'string' | 'bool' | 'int32' | 'uint32' | 'int64' | 'bytes' | 'timestamp' | 'fieldMask' | 'struct';

const SCALAR_KINDS: Readonly<Record<string, ScalarKind>> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  uint32: 'uint32',
  uint32s: 'uint32',
  int64: 'int64',
  bytes: 'bytes',
  '.google.protobuf.Timestamp': 'timestamp',
  '.google.protobuf.FieldMask': 'fieldMask',
  '.google.protobuf.Struct': 'struct',
};

/** What a field holds (for a map: what each value holds). */
export type FieldValueType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'enum'; readonly enumName: string }
  | { readonly kind: 'message'; readonly messageName: string };

/** One field of a message. */
export interface FieldDescriptor {
  /** snake_case name from the proto. */
  readonly protoName: string;
  /** lowerCamelCase name used in JSON and internally. */
  readonly jsonName: string;
  readonly value: FieldValueType;
  readonly cardinality: 'single' | 'repeated' | 'map';
  readonly relation?: { readonly kind: SpecStringRelation; readonly target: string };
}

export interface MessageDescriptor {
  readonly name: string;
  /** The resource section the message belongs to, `shared`, or `well-known`. */
  readonly section: string;
  readonly fields: readonly FieldDescriptor[];
  /** Finds a field by its JSON (lowerCamelCase) or proto (snake_case) name. */
  readonly field: (name: string) => FieldDescriptor | undefined;
}

export interface EnumDescriptor {
  readonly name: string;
  readonly section: string;
  /** Value names; a value's number is its index (the reference lists them in number order). */
  readonly values: readonly string[];
}

const enumIndex = new Map<string, EnumDescriptor>(
  [...SPEC_MODEL.enums, ...WELL_KNOWN_ENUMS, ...EXTENSION_ENUMS].map((specEnum) => [specEnum.name, specEnum]),
);

const specMessages = new Map([...SPEC_MODEL.messages, ...WELL_KNOWN_MESSAGES, ...EXTENSION_MESSAGES].map((message) => [message.name, message]));

function valueType(field: SpecField, owner: string): FieldValueType {
  const scalar = SCALAR_KINDS[field.type];
  if (scalar !== undefined) return { kind: 'scalar', scalar };
  if (enumIndex.has(field.type)) return { kind: 'enum', enumName: field.type };
  if (!specMessages.has(field.type)) throw new Error(`${owner}.${field.name}: unknown type ${field.type}`);
  return { kind: 'message', messageName: field.type };
}


function describeField(field: SpecField, owner: string): FieldDescriptor {
  return {
    protoName: field.name,
    jsonName: jsonName(field.name),
    value: valueType(field, owner),
    cardinality: field.mapKey !== undefined ? 'map' : field.repeated ? 'repeated' : 'single',
    ...(field.relation === undefined ? {} : { relation: field.relation }),
  };
}

const messageIndex = new Map<string, MessageDescriptor>();
for (const message of specMessages.values()) {
  const fields = message.fields.map((field) => describeField(field, message.name));
  const byName = new Map<string, FieldDescriptor>();
  for (const field of fields) {
    byName.set(field.jsonName, field);
    byName.set(field.protoName, field);
  }
  messageIndex.set(message.name, {
    name: message.name,
    section: message.section,
    fields,
    field: (name) => byName.get(name),
  });
}

/** The descriptor of a message; throws for a name the contract does not define. */
export function messageDescriptor(name: string): MessageDescriptor {
  const descriptor = messageIndex.get(name);
  if (!descriptor) throw new Error(`unknown message ${name}`);
  return descriptor;
}

/** The descriptor of an enum; throws for a name the contract does not define. */
export function enumDescriptor(name: string): EnumDescriptor {
  const descriptor = enumIndex.get(name);
  if (!descriptor) throw new Error(`unknown enum ${name}`);
  return descriptor;
}

/** Every message descriptor, the reference's and the well-known ones. */
export function allMessageDescriptors(): readonly MessageDescriptor[] {
  return [...messageIndex.values()];
}

/** Every enum descriptor, the reference's and the well-known ones. */
export function allEnumDescriptors(): readonly EnumDescriptor[] {
  return [...enumIndex.values()];
}
