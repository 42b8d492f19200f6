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
import type { ValidationRule } from '../codegen/upstreamTables.js';
import { SPEC_MODEL } from '../generated/specModel.js';
import { WIRE_MODEL } from '../generated/wireModel.js';

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
  /**
   * Name used in JSON and internally: the proto's json_name, lowerCamelCase except where the proto
   * says otherwise (the snake_case names of the credentials file).
   */
  readonly jsonName: string;
  /** Protobuf field number (from the wire table), for binary encodings and generated .proto files. */
  readonly number: number;
  /** The oneof group the field belongs to, if any: at most one member of a group may be set. */
  readonly oneof?: string;
  /** The proto marks the field output only (server-computed). */
  readonly outputOnly: boolean;
  /** The SDK's validation rules on the field (`rules.tsv`), enforced by the generated schemas. */
  readonly rules: readonly ValidationRule[];
  readonly value: FieldValueType;
  readonly cardinality: 'single' | 'repeated' | 'map';
  readonly relation?: { readonly kind: SpecStringRelation; readonly target: string };
}

/** A oneof group of a message. */
export interface OneofDescriptor {
  readonly name: string;
  /** Its members, in declaration order. */
  readonly fields: readonly FieldDescriptor[];
}

export interface MessageDescriptor {
  readonly name: string;
  /** Fully qualified proto name, e.g. `ntt.iam.v1.Role.Grant` or `goten.types.Meta`. */
  readonly protoName: string;
  readonly oneofs: readonly OneofDescriptor[];
  /** The resource section the message belongs to, `shared`, or `well-known`. */
  readonly section: string;
  readonly fields: readonly FieldDescriptor[];
  /** Finds a field by its JSON (lowerCamelCase) or proto (snake_case) name. */
  readonly field: (name: string) => FieldDescriptor | undefined;
}

export interface EnumDescriptor {
  readonly name: string;
  /** Fully qualified proto name. */
  readonly protoName: string;
  readonly section: string;
  /** Value names; a value's number is its index (the reference lists them in number order). */
  readonly values: readonly string[];
}

const enumIndex = new Map<string, EnumDescriptor>(
  [...SPEC_MODEL.enums, ...WELL_KNOWN_ENUMS, ...EXTENSION_ENUMS].map((specEnum) => [
    specEnum.name,
    { ...specEnum, protoName: WIRE_MODEL.enums[specEnum.name] ?? specEnum.name },
  ]),
);

const wireMessages = new Map(WIRE_MODEL.messages.map((message) => [message.name, message]));

const specMessages = new Map([...SPEC_MODEL.messages, ...WELL_KNOWN_MESSAGES, ...EXTENSION_MESSAGES].map((message) => [message.name, message]));

function valueType(field: SpecField, owner: string): FieldValueType {
  const scalar = SCALAR_KINDS[field.type];
  if (scalar !== undefined) return { kind: 'scalar', scalar };
  if (enumIndex.has(field.type)) return { kind: 'enum', enumName: field.type };
  if (!specMessages.has(field.type)) throw new Error(`${owner}.${field.name}: unknown type ${field.type}`);
  return { kind: 'message', messageName: field.type };
}


const extensionMessageNames = new Set(EXTENSION_MESSAGES.map((message) => message.name));

/**
 * The wire facts of a field: from the upstream tables for the reference's messages; keystream's own
 * extension messages (batch invitations, codes) exist in no upstream proto, so their fields are
 * numbered in declaration order, the way their proto would declare them.
 */
function wireFactsOf(field: SpecField, owner: string, position: number): { readonly number: number; readonly jsonName?: string | undefined; readonly oneof?: string | undefined; readonly outputOnly?: boolean | undefined } | undefined {
  const facts = wireMessages.get(owner)?.fields.find((candidate) => candidate.name === field.name);
  if (facts !== undefined || !extensionMessageNames.has(owner)) return facts;
  return { number: position + 1 };
}

function describeField(field: SpecField, owner: string, position: number): FieldDescriptor {
  const facts = wireFactsOf(field, owner, position);
  if (facts === undefined) throw new Error(`${owner}.${field.name} has no wire facts: run npm run generate`);
  return {
    protoName: field.name,
    jsonName: facts.jsonName ?? jsonName(field.name),
    number: facts.number,
    ...(facts.oneof === undefined ? {} : { oneof: facts.oneof }),
    outputOnly: facts.outputOnly === true,
    rules: WIRE_MODEL.rules.filter((rule) => rule.message === owner && rule.field === field.name).map((rule) => rule.rule),
    value: valueType(field, owner),
    cardinality: field.mapKey !== undefined ? 'map' : field.repeated ? 'repeated' : 'single',
    ...(field.relation === undefined ? {} : { relation: field.relation }),
  };
}

const messageIndex = new Map<string, MessageDescriptor>();
for (const message of specMessages.values()) {
  const fields = message.fields.map((field, position) => describeField(field, message.name, position));
  const byName = new Map<string, FieldDescriptor>();
  for (const field of fields) {
    byName.set(field.jsonName, field);
    byName.set(field.protoName, field);
  }
  const oneofs = new Map<string, FieldDescriptor[]>();
  for (const field of fields) if (field.oneof !== undefined) oneofs.set(field.oneof, [...(oneofs.get(field.oneof) ?? []), field]);
  messageIndex.set(message.name, {
    name: message.name,
    protoName: wireMessages.get(message.name)?.protoName ?? message.name,
    oneofs: [...oneofs].map(([name, members]) => ({ name, fields: members })),
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
