/**
 * A strict protobuf JSON parser for the contract's messages, built from the upstream field table
 * (`../shared/spec/upstream/wire.tsv`, `enums.tsv`) and nothing of keystream's own: the tables
 * become FileDescriptorProtos, @bufbuild/protobuf (which passes the protobuf conformance suite)
 * parses with them and refuses what a client generated from the real protos would refuse — an
 * unknown field, two members of a oneof, a value of the wrong type.
 */
import { create, createFileRegistry, fromJson, type DescMessage, type FileRegistry, type JsonValue } from '@bufbuild/protobuf';
import {
  DescriptorProtoSchema,
  EnumDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { readUpstreamTables, type UpstreamTables, type WireFieldRow } from '@keystream/api/testing';

const SCALAR_TYPES: Readonly<Record<string, FieldDescriptorProto_Type>> = {
  string: FieldDescriptorProto_Type.STRING,
  bool: FieldDescriptorProto_Type.BOOL,
  bytes: FieldDescriptorProto_Type.BYTES,
  int32: FieldDescriptorProto_Type.INT32,
  int64: FieldDescriptorProto_Type.INT64,
  uint32: FieldDescriptorProto_Type.UINT32,
  uint64: FieldDescriptorProto_Type.UINT64,
  double: FieldDescriptorProto_Type.DOUBLE,
  float: FieldDescriptorProto_Type.FLOAT,
  message: FieldDescriptorProto_Type.MESSAGE,
  enum: FieldDescriptorProto_Type.ENUM,
};

const WELL_KNOWN_FILES: Readonly<Record<string, string>> = {
  'google.protobuf.Timestamp': file_google_protobuf_timestamp.proto.name,
  'google.protobuf.FieldMask': file_google_protobuf_field_mask.proto.name,
  'google.protobuf.Struct': file_google_protobuf_struct.proto.name,
  'google.protobuf.Value': file_google_protobuf_struct.proto.name,
  'google.protobuf.Empty': file_google_protobuf_empty.proto.name,
};

/** The proto package of a fully qualified name: the segments before the first capitalised one. */
function packageOf(fullName: string): string {
  const segments = fullName.split('.');
  const first = segments.findIndex((segment) => /^[A-Z]/.test(segment));
  return segments.slice(0, first).join('.');
}

function fileNameOf(protoPackage: string): string {
  return `${protoPackage.replaceAll('.', '/')}/wire.proto`;
}

interface Node {
  readonly message: DescriptorProto;
}

/** Builds a registry holding every message and enum of the tables. */
export function strictRegistry(tables: UpstreamTables = readUpstreamTables()): FileRegistry {
  const fieldsByMessage = new Map<string, WireFieldRow[]>();
  for (const row of tables.fields) fieldsByMessage.set(row.message, [...(fieldsByMessage.get(row.message) ?? []), row]);
  const enumValues = new Map<string, { value: string; number: number }[]>();
  for (const row of tables.enumValues) enumValues.set(row.enumName, [...(enumValues.get(row.enumName) ?? []), { value: row.value, number: row.number }]);
  // Every message a field refers to exists, even one the table lists no field of (google.protobuf.Empty is a file of its own).
  const messageNames = new Set(fieldsByMessage.keys());
  for (const row of tables.fields) if (row.type === 'message' && WELL_KNOWN_FILES[row.typeName] === undefined) messageNames.add(row.typeName);
  // …and every request and response of rpcs.tsv, some of which have no field at all.
  for (const route of tables.routes) for (const name of [route.input, route.output]) if (WELL_KNOWN_FILES[name] === undefined) messageNames.add(name);

  const files = new Map<string, FileDescriptorProto>();
  const fileOf = (protoPackage: string): FileDescriptorProto => {
    let file = files.get(protoPackage);
    if (file === undefined) {
      file = create(FileDescriptorProtoSchema, { name: fileNameOf(protoPackage), package: protoPackage, syntax: 'proto3' });
      files.set(protoPackage, file);
    }
    return file;
  };
  const nodes = new Map<string, Node>();
  const addDependency = (file: FileDescriptorProto, typeName: string): void => {
    const dependency = WELL_KNOWN_FILES[typeName] ?? fileNameOf(packageOf(typeName));
    if (dependency !== file.name && !file.dependency.includes(dependency)) file.dependency.push(dependency);
  };

  // Parents before children: a nested message's parent is declared first.
  for (const name of [...messageNames].sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b))) {
    const protoPackage = packageOf(name);
    const file = fileOf(protoPackage);
    const local = name.slice(protoPackage.length + 1);
    const parentName = name.slice(0, name.lastIndexOf('.'));
    const rows = fieldsByMessage.get(name) ?? [];
    const message = create(DescriptorProtoSchema, { name: local.split('.').pop() as string });
    const isMapEntry = name.endsWith('Entry') && rows.length === 2 && rows.some((row) => row.field === 'key' && row.number === 1) && rows.some((row) => row.field === 'value' && row.number === 2);
    if (isMapEntry) message.options = { $typeName: 'google.protobuf.MessageOptions', mapEntry: true } as DescriptorProto['options'];
    const oneofs: string[] = [];
    for (const row of rows) {
      const type = SCALAR_TYPES[row.type];
      if (type === undefined) throw new Error(`wire.tsv: ${name}.${row.field} has unknown type ${row.type}`);
      let oneofIndex: number | undefined;
      if (row.oneof !== undefined) {
        if (!oneofs.includes(row.oneof)) oneofs.push(row.oneof);
        oneofIndex = oneofs.indexOf(row.oneof);
      }
      if (row.typeName !== '') addDependency(file, row.typeName);
      message.field.push({
        $typeName: 'google.protobuf.FieldDescriptorProto',
        name: row.field,
        number: row.number,
        label: row.repeated ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL,
        type,
        ...(row.typeName === '' ? {} : { typeName: `.${row.typeName}` }),
        jsonName: row.jsonName,
        ...(oneofIndex === undefined ? {} : { oneofIndex }),
      } as DescriptorProto['field'][number]);
    }
    for (const oneof of oneofs) message.oneofDecl.push({ $typeName: 'google.protobuf.OneofDescriptorProto', name: oneof });
    const parent = nodes.get(parentName);
    if (parent !== undefined) parent.message.nestedType.push(message);
    else file.messageType.push(message);
    nodes.set(name, { message });
  }

  for (const [name, values] of enumValues) {
    const protoPackage = packageOf(name);
    const file = fileOf(protoPackage);
    const enumProto: EnumDescriptorProto = create(EnumDescriptorProtoSchema, {
      name: name.split('.').pop() as string,
      value: values.map((value) => ({ name: value.value, number: value.number })),
    });
    const parent = nodes.get(name.slice(0, name.lastIndexOf('.')));
    if (parent !== undefined) parent.message.enumType.push(enumProto);
    else file.enumType.push(enumProto);
  }

  const wellKnown = [file_google_protobuf_timestamp, file_google_protobuf_field_mask, file_google_protobuf_struct, file_google_protobuf_empty].map((file) => file.proto);
  // Files in dependency order: goten and ntt.api before the iam package that uses them.
  const ordered: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto, seen: Set<string>): void => {
    if (ordered.includes(file) || seen.has(file.name)) return;
    seen.add(file.name);
    for (const dependency of file.dependency) {
      const found = [...files.values()].find((candidate) => candidate.name === dependency);
      if (found !== undefined) visit(found, seen);
    }
    ordered.push(file);
  };
  for (const file of files.values()) visit(file, new Set());
  return createFileRegistry(create(FileDescriptorSetSchema, { file: [...wellKnown, ...ordered] }));
}

/**
 * Parses `json` as the message `protoName` strictly (unknown fields refused), throwing the
 * parser's error. Returns normally when a client built from the real protos would accept it.
 */
export function parseStrictly(registry: FileRegistry, protoName: string, json: unknown): void {
  const schema: DescMessage | undefined = registry.getMessage(protoName);
  if (schema === undefined) throw new Error(`the wire table has no message ${protoName}`);
  fromJson(schema, json as JsonValue, { ignoreUnknownFields: false });
}
