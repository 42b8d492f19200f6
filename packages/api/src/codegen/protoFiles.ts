/**
 * The `.proto` files of ntt.iam.v1 and the goten/api types it uses, rendered from the contract's
 * methods and the upstream wire tables (`../shared/spec/upstream/`: wire.tsv, enums.tsv, rpcs.tsv).
 *
 * The tables were read from the compiled descriptors of the SDK release the reference describes, so
 * the files rendered here declare the same packages, messages, field names and numbers, oneofs,
 * maps, enums, streaming kinds and `google.api.http` bindings: a gRPC client built from the
 * SDK's own protos and one built from these exchange identical bytes. Comments, file layout and
 * language options are the SDK's business and are not reproduced.
 *
 * One file per package (no package imports another cyclically), plus the two google.api files the
 * http option needs. Pure: {@link renderProtoFiles} returns the files; `writeProto.ts` writes them.
 */
import { METHODS } from '../methods/methodTable.js';
import { readUpstreamTables, type EnumValueRow, type RpcRouteRow, type WireFieldRow } from './upstreamTables.js';

/** A field of a message, as wire.tsv gives it. */
type WireField = WireFieldRow;
/** An HTTP binding of an RPC (the first row of an RPC is its primary binding). */
type WireBinding = RpcRouteRow;
/** A value of an enum. */
type WireEnumValue = EnumValueRow;

/** The upstream wire tables the files are rendered from. */
export interface WireTables {
  readonly fields: readonly WireField[];
  readonly bindings: readonly WireBinding[];
  readonly enumValues: readonly WireEnumValue[];
}

/** Reads wire.tsv, rpcs.tsv and enums.tsv through the one validating reader of the upstream tables. */
export function readWireTables(directory?: string): WireTables {
  const tables = readUpstreamTables(directory);
  return { fields: tables.fields, bindings: tables.routes, enumValues: tables.enumValues };
}

/** The protobuf packages rendered, each into one file (path relative to the proto root). */
export const PROTO_PACKAGES: Readonly<Record<string, string>> = {
  'ntt.iam.v1': 'ntt/iam/v1/iam.proto',
  'ntt.api': 'ntt/api/api.proto',
  'goten.types': 'goten/types/types.proto',
  'goten.meta.v1': 'goten/meta/v1/meta.proto',
};

/** The well-known types the messages use, by the file that declares them. */
const WELL_KNOWN_FILES: Readonly<Record<string, string>> = {
  'google.protobuf.Empty': 'google/protobuf/empty.proto',
  'google.protobuf.FieldMask': 'google/protobuf/field_mask.proto',
  'google.protobuf.Struct': 'google/protobuf/struct.proto',
  'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
};

/** The package of a fully qualified name. */
export function packageOf(fullName: string): string {
  const found = Object.keys(PROTO_PACKAGES).find((name) => fullName.startsWith(`${name}.`));
  if (found !== undefined) return found;
  if (fullName.startsWith('google.protobuf.')) return 'google.protobuf';
  throw new Error(`no package is known for ${fullName}`);
}

interface MessageNode {
  readonly fullName: string;
  readonly fields: WireField[];
  readonly nested: Map<string, MessageNode>;
  readonly enums: Map<string, WireEnumValue[]>;
}

function newNode(fullName: string): MessageNode {
  return { fullName, fields: [], nested: new Map(), enums: new Map() };
}

/** A `map<K, V>` field: a repeated `…Entry` message nested in the field's message, with key 1 and value 2. */
function mapEntryOf(field: WireField, messages: ReadonlyMap<string, MessageNode>): MessageNode | undefined {
  if (!field.repeated || field.type !== 'message' || !field.typeName.startsWith(`${field.message}.`) || !field.typeName.endsWith('Entry')) return undefined;
  const entry = messages.get(field.typeName);
  const numbers = entry?.fields.map((candidate) => `${candidate.field}=${candidate.number}`).join(',');
  return numbers === 'key=1,value=2' ? entry : undefined;
}

/** protoc's default JSON name of a field: lowerCamelCase of its proto name. */
export function defaultJsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

function typeOf(field: WireField): string {
  return field.type === 'message' || field.type === 'enum' ? `.${field.typeName}` : field.type;
}

/** The messages and enums to render: every one of ntt.iam.v1, and those its messages reach in other packages. */
function collectTypes(tables: WireTables): { messages: Map<string, MessageNode>; enums: Map<string, WireEnumValue[]> } {
  const allMessages = new Map<string, MessageNode>();
  const messageOf = (name: string): MessageNode => {
    let node = allMessages.get(name);
    if (node === undefined) {
      node = newNode(name);
      allMessages.set(name, node);
    }
    return node;
  };
  for (const field of tables.fields) messageOf(field.message).fields.push(field);
  // Messages without fields appear only as a type name or an RPC's input/output.
  for (const field of tables.fields) if (field.type === 'message' && !field.typeName.startsWith('google.protobuf.')) messageOf(field.typeName);
  for (const binding of tables.bindings) for (const name of [binding.input, binding.output]) if (!name.startsWith('google.protobuf.')) messageOf(name);
  const allEnums = new Map<string, WireEnumValue[]>();
  for (const value of tables.enumValues) allEnums.set(value.enumName, [...(allEnums.get(value.enumName) ?? []), value]);

  // Reachability from ntt.iam.v1 (its messages, enums and RPC types).
  const messages = new Map<string, MessageNode>();
  const enums = new Map<string, WireEnumValue[]>();
  const pending = [...allMessages.keys()].filter((name) => packageOf(name) === 'ntt.iam.v1');
  for (const name of allEnums.keys()) if (packageOf(name) === 'ntt.iam.v1') enums.set(name, allEnums.get(name) ?? []);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (messages.has(name)) continue;
    const node = allMessages.get(name);
    if (node === undefined) throw new Error(`message ${name} is referenced but has no row in wire.tsv`);
    messages.set(name, node);
    // A nested type goes with its parent message.
    const parent = name.slice(0, name.lastIndexOf('.'));
    if (allMessages.has(parent)) pending.push(parent);
    for (const field of node.fields) {
      if (field.type === 'message' && !field.typeName.startsWith('google.protobuf.')) pending.push(field.typeName);
      if (field.type === 'enum') {
        const values = allEnums.get(field.typeName);
        if (values === undefined) throw new Error(`enum ${field.typeName} is referenced but has no row in enums.tsv`);
        enums.set(field.typeName, values);
        const enumParent = field.typeName.slice(0, field.typeName.lastIndexOf('.'));
        if (allMessages.has(enumParent)) pending.push(enumParent);
      }
    }
  }
  return { messages, enums };
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function renderEnum(name: string, values: readonly WireEnumValue[], indent: string): string[] {
  return [`${indent}enum ${name} {`, ...values.map((value) => `${indent}  ${value.value} = ${value.number};`), `${indent}}`];
}

function renderField(field: WireField, messages: ReadonlyMap<string, MessageNode>, indent: string, inOneof: boolean): string {
  const entry = mapEntryOf(field, messages);
  if (entry !== undefined) {
    const [key, value] = entry.fields as [WireField, WireField];
    return `${indent}map<${typeOf(key)}, ${typeOf(value)}> ${field.field} = ${field.number};`;
  }
  const label = field.repeated && !inOneof ? 'repeated ' : '';
  // A JSON name other than protoc's default (lowerCamelCase) was declared with json_name.
  const jsonName = field.jsonName === defaultJsonName(field.field) ? '' : ` [json_name = ${quote(field.jsonName)}]`;
  return `${indent}${label}${typeOf(field)} ${field.field} = ${field.number}${jsonName};`;
}

function renderMessage(node: MessageNode, messages: ReadonlyMap<string, MessageNode>, indent: string): string[] {
  const simpleName = node.fullName.slice(node.fullName.lastIndexOf('.') + 1);
  const lines = [`${indent}message ${simpleName} {`];
  const inner = `${indent}  `;
  const mapEntries = new Set<string>();
  const renderedOneofs = new Set<string>();
  for (const field of node.fields) {
    if (mapEntryOf(field, messages) !== undefined) mapEntries.add(field.typeName);
    if (field.oneof === undefined) {
      lines.push(renderField(field, messages, inner, false));
    } else if (!renderedOneofs.has(field.oneof)) {
      // A oneof is declared where its first member is.
      renderedOneofs.add(field.oneof);
      lines.push(`${inner}oneof ${field.oneof} {`);
      for (const member of node.fields.filter((candidate) => candidate.oneof === field.oneof)) lines.push(renderField(member, messages, `${inner}  `, true));
      lines.push(`${inner}}`);
    }
  }
  for (const [name, values] of node.enums) lines.push(...renderEnum(name, values, inner));
  for (const child of node.nested.values()) if (!mapEntries.has(child.fullName)) lines.push(...renderMessage(child, messages, inner));
  lines.push(`${indent}}`);
  return lines;
}

function renderHttpRule(bindings: readonly WireBinding[]): string[] {
  const ruleOf = (binding: WireBinding): string => {
    const body = binding.body === undefined ? '' : ` body: ${quote(binding.body)}`;
    return `${binding.verb.toLowerCase()}: ${quote(binding.path)}${body}`;
  };
  const [primary, ...additional] = bindings as [WireBinding, ...WireBinding[]];
  return [
    '    option (google.api.http) = {',
    `      ${ruleOf(primary)}`,
    ...additional.map((binding) => `      additional_bindings { ${ruleOf(binding)} }`),
    '    };',
  ];
}

/** The google.api files the http option needs (the HttpRule of google/api/http.proto, by its field numbers). */
const GOOGLE_API_FILES: Readonly<Record<string, string>> = {
  'google/api/http.proto': [
    'syntax = "proto3";',
    '',
    'package google.api;',
    '',
    'message Http {',
    '  repeated HttpRule rules = 1;',
    '  bool fully_decode_reserved_expansion = 2;',
    '}',
    '',
    'message HttpRule {',
    '  string selector = 1;',
    '  oneof pattern {',
    '    string get = 2;',
    '    string put = 3;',
    '    string post = 4;',
    '    string delete = 5;',
    '    string patch = 6;',
    '    CustomHttpPattern custom = 8;',
    '  }',
    '  string body = 7;',
    '  string response_body = 12;',
    '  repeated HttpRule additional_bindings = 11;',
    '}',
    '',
    'message CustomHttpPattern {',
    '  string kind = 1;',
    '  string path = 2;',
    '}',
    '',
  ].join('\n'),
  'google/api/annotations.proto': [
    'syntax = "proto3";',
    '',
    'package google.api;',
    '',
    'import "google/api/http.proto";',
    'import "google/protobuf/descriptor.proto";',
    '',
    'extend google.protobuf.MethodOptions {',
    '  HttpRule http = 72295728;',
    '}',
    '',
  ].join('\n'),
};

/** Generator header of every rendered file. */
const HEADER = '// Generated by packages/api/src/codegen/writeProto.ts from the contract and ../shared/spec/upstream/*.tsv. Do not edit.';

/**
 * Renders every `.proto` file, keyed by its path under the proto root. Throws when the contract's
 * methods and rpcs.tsv disagree, so the files never describe a different API than keystream serves.
 */
export function renderProtoFiles(tables: WireTables = readWireTables()): Map<string, string> {
  const rpcNames = new Set(tables.bindings.map((binding) => binding.rpc));
  const contractNames = new Set<string>(METHODS.map((method) => method.name));
  const missing = [...contractNames].filter((name) => !rpcNames.has(name));
  const extra = [...rpcNames].filter((name) => !contractNames.has(name));
  if (missing.length > 0 || extra.length > 0) throw new Error(`contract and rpcs.tsv disagree: not in rpcs.tsv ${missing.join(', ')}; not in the contract ${extra.join(', ')}`);

  const { messages, enums } = collectTypes(tables);
  // Nest messages and enums under their parent message where the parent is a message.
  const topLevel = new Map<string, MessageNode[]>();
  const topEnums = new Map<string, [string, WireEnumValue[]][]>();
  for (const node of [...messages.values()].sort((a, b) => a.fullName.localeCompare(b.fullName))) {
    const parent = messages.get(node.fullName.slice(0, node.fullName.lastIndexOf('.')));
    if (parent !== undefined) parent.nested.set(node.fullName, node);
    else topLevel.set(packageOf(node.fullName), [...(topLevel.get(packageOf(node.fullName)) ?? []), node]);
  }
  for (const [name, values] of [...enums].sort(([a], [b]) => a.localeCompare(b))) {
    const simpleName = name.slice(name.lastIndexOf('.') + 1);
    const parent = messages.get(name.slice(0, name.lastIndexOf('.')));
    if (parent !== undefined) parent.enums.set(simpleName, values);
    else topEnums.set(packageOf(name), [...(topEnums.get(packageOf(name)) ?? []), [simpleName, values]]);
  }
  const services = new Map<string, Map<string, WireBinding[]>>();
  for (const binding of tables.bindings) {
    const rpcs = services.get(binding.service) ?? new Map<string, WireBinding[]>();
    rpcs.set(binding.rpc, [...(rpcs.get(binding.rpc) ?? []), binding]);
    services.set(binding.service, rpcs);
  }

  const files = new Map<string, string>(Object.entries(GOOGLE_API_FILES));
  for (const [packageName, file] of Object.entries(PROTO_PACKAGES)) {
    const ownMessages = topLevel.get(packageName) ?? [];
    const ownServices = [...services].filter(([service]) => packageOf(service) === packageName);
    // Imports: the files of every other package a field or an RPC of this one names.
    const referenced = new Set<string>();
    const visit = (node: MessageNode): void => {
      for (const field of node.fields) if (field.type === 'message' || field.type === 'enum') referenced.add(field.typeName);
      for (const child of node.nested.values()) visit(child);
    };
    ownMessages.forEach(visit);
    for (const [, rpcs] of ownServices) for (const [first] of rpcs.values()) if (first) referenced.add(first.input).add(first.output);
    const imports = new Set<string>();
    for (const name of referenced) {
      const owner = packageOf(name);
      if (owner === packageName) continue;
      const importFile = owner === 'google.protobuf' ? WELL_KNOWN_FILES[name] : PROTO_PACKAGES[owner];
      if (importFile === undefined) throw new Error(`no file declares ${name}`);
      imports.add(importFile);
    }
    if (ownServices.length > 0) imports.add('google/api/annotations.proto');
    const lines = [HEADER, 'syntax = "proto3";', '', `package ${packageName};`, ''];
    for (const importFile of [...imports].sort()) lines.push(`import ${quote(importFile)};`);
    if (imports.size > 0) lines.push('');
    for (const [name, values] of topEnums.get(packageName) ?? []) lines.push(...renderEnum(name, values, ''), '');
    for (const node of ownMessages) lines.push(...renderMessage(node, messages, ''), '');
    for (const [service, rpcs] of ownServices.sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`service ${service.slice(service.lastIndexOf('.') + 1)} {`);
      for (const [rpc, bindings] of rpcs) {
        const [first] = bindings as [WireBinding];
        const input = `${first.clientStreaming ? 'stream ' : ''}.${first.input}`;
        const output = `${first.serverStreaming ? 'stream ' : ''}.${first.output}`;
        lines.push(`  rpc ${rpc}(${input}) returns (${output}) {`, ...renderHttpRule(bindings), '  }');
      }
      lines.push('}', '');
    }
    files.set(file, `${lines.join('\n').trimEnd()}\n`);
  }
  return files;
}
