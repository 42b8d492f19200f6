/**
 * Conformance of the contract's runtime tables with the upstream wire tables
 * (`../shared/spec/upstream/*.tsv`, read at test time): every field's number, JSON name, type,
 * label, oneof and output-only flag; every enum value's number; every HTTP binding with its body
 * rule, request and response types and streaming kind; every validation rule.
 *
 * The tables are read here with a plain TSV split, not with the generator's reader, so a bug in
 * the generator cannot hide a missing or wrong fact.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findUpstreamDirectory } from './codegen/upstreamTables.js';
import { METHODS } from './methods/methodTable.js';
import { EXTENSION_ENUMS, EXTENSION_SECTION } from './codegen/extensionModel.js';
import { allEnumDescriptors, allMessageDescriptors, messageDescriptor, type FieldDescriptor, type MessageDescriptor } from './registry/messageRegistry.js';

const EXTENSION_ENUM_NAMES = new Set(EXTENSION_ENUMS.map((extension) => extension.name));

type Row = Record<string, string>;

function readTable(directory: string, name: string): Row[] {
  const [header = '', ...lines] = readFileSync(path.join(directory, name), 'utf8').split('\n');
  const columns = header.split('\t');
  return lines.filter((line) => line !== '').map((line) => Object.fromEntries(line.split('\t').map((cell, index) => [columns[index] as string, cell])));
}

const SCALAR_BY_WIRE_TYPE: Readonly<Record<string, string>> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  bytes: 'bytes',
};

const SCALAR_BY_MESSAGE: Readonly<Record<string, string>> = {
  'google.protobuf.Timestamp': 'timestamp',
  'google.protobuf.FieldMask': 'fieldMask',
  'google.protobuf.Struct': 'struct',
};

/** A contract field written the way wire.tsv describes it, to compare like with like. */
function wireNotation(field: FieldDescriptor, mapEntry: string | undefined): string {
  const value = field.value;
  let type: string;
  if (value.kind === 'scalar') {
    const wellKnown = Object.entries(SCALAR_BY_MESSAGE).find(([, scalar]) => scalar === value.scalar)?.[0];
    type = wellKnown === undefined ? value.scalar : `message ${wellKnown}`;
  } else if (value.kind === 'enum') {
    type = `enum ${allEnumDescriptors().find((candidate) => candidate.name === value.enumName)?.protoName ?? '?'}`;
  } else {
    type = `message ${messageDescriptor(value.messageName).protoName}`;
  }
  if (field.cardinality === 'map') type = `map ${mapEntry ?? '?'} of ${type}`;
  return [field.number, field.jsonName, field.cardinality === 'single' ? 'optional' : 'repeated', type, field.oneof ?? '-', field.outputOnly ? 'output-only' : '-'].join(' ');
}

describe('the contract, compared with the upstream wire tables', () => {
  let directory = '';
  let wire: Row[] = [];
  const byProtoName = new Map<string, MessageDescriptor>(allMessageDescriptors().map((message) => [message.protoName, message]));

  before(function (this: Mocha.Context) {
    const found = findUpstreamDirectory();
    if (found === undefined) {
      console.log('      skipped: ../shared/spec/upstream/ not found beside the repository');
      this.skip();
    }
    directory = found;
    wire = readTable(directory, 'wire.tsv');
  });

  /** wire.tsv rows of a message, by field name. */
  const rowsOf = (protoName: string): Map<string, Row> => new Map(wire.filter((row) => row['message'] === protoName).map((row) => [row['field'] as string, row]));

  /** A wire.tsv row written in {@link wireNotation}. */
  const rowNotation = (row: Row): string => {
    const typeName = row['type_name'] ?? '';
    const entry = typeName.endsWith('Entry') ? rowsOf(typeName) : undefined;
    let type: string;
    if (entry !== undefined && entry.has('key') && entry.has('value') && row['label'] === 'repeated') {
      const valueRow = entry.get('value') as Row;
      const valueType = SCALAR_BY_WIRE_TYPE[valueRow['type'] as string] ?? `${valueRow['type'] ?? ''} ${valueRow['type_name'] ?? ''}`;
      const scalar = SCALAR_BY_MESSAGE[valueRow['type_name'] ?? ''];
      type = `map ${typeName} of ${scalar === undefined ? valueType : `message ${valueRow['type_name'] ?? ''}`}`;
    } else {
      type = SCALAR_BY_WIRE_TYPE[row['type'] as string] ?? `${row['type'] ?? ''} ${typeName}`;
    }
    const label = type.startsWith('map ') ? 'repeated' : row['label'];
    return [row['number'], row['json_name'], label, type, row['oneof'] || '-', row['output_only'] === 'yes' ? 'output-only' : '-'].join(' ');
  };

  it('should give every field of every contract message the number, JSON name, label, type, oneof and output-only flag of wire.tsv', () => {
    const differences: string[] = [];
    let checked = 0;
    // keystream's extension messages (batch invitations, codes) are in no upstream proto.
    for (const message of allMessageDescriptors().filter((candidate) => candidate.section !== EXTENSION_SECTION)) {
      const rows = rowsOf(message.protoName);
      if (rows.size === 0 && message.fields.length > 0) differences.push(`${message.protoName}: not in wire.tsv`);
      for (const field of message.fields) {
        const row = rows.get(field.protoName);
        if (row === undefined) {
          differences.push(`${message.protoName}.${field.protoName}: in the contract, not in wire.tsv`);
          continue;
        }
        rows.delete(field.protoName);
        const expected = rowNotation(row);
        const actual = wireNotation(field, row['type_name']);
        if (expected !== actual) differences.push(`${message.protoName}.${field.protoName}: wire.tsv says "${expected}", the contract "${actual}"`);
        checked += 1;
      }
      for (const name of rows.keys()) differences.push(`${message.protoName}.${name}: in wire.tsv, not in the contract`);
    }
    expect(differences).to.deep.equal([]);
    expect(checked).to.be.greaterThan(1400);
    console.log(`      checked ${checked} fields of ${allMessageDescriptors().length} messages`);
  });

  it('should hold every oneof group of wire.tsv for the contract messages, 51 of them in ntt.iam.v1, with the same members', () => {
    const groups = (entries: Iterable<[string, string]>): Record<string, string[]> => {
      const result: Record<string, string[]> = {};
      for (const [group, member] of entries) (result[group] ??= []).push(member);
      for (const members of Object.values(result)) members.sort();
      return result;
    };
    const fromTable = groups(wire.filter((row) => row['oneof'] !== '' && byProtoName.has(row['message'] as string)).map((row) => [`${row['message'] ?? ''}.${row['oneof'] ?? ''}`, row['field'] as string]));
    const fromContract = groups(allMessageDescriptors().flatMap((message) => message.oneofs.flatMap((oneof) => oneof.fields.map((field): [string, string] => [`${message.protoName}.${oneof.name}`, field.protoName]))));
    expect(fromContract).to.deep.equal(fromTable);
    expect(Object.keys(fromContract).filter((group) => group.startsWith('ntt.iam.v1.'))).to.have.length(51);
  });

  it('should number every enum value as enums.tsv does', () => {
    const rows = readTable(directory, 'enums.tsv');
    const differences: string[] = [];
    for (const specEnum of allEnumDescriptors().filter((candidate) => !EXTENSION_ENUM_NAMES.has(candidate.name))) {
      const expected = rows.filter((row) => row['enum'] === specEnum.protoName).map((row) => `${row['value'] ?? ''}=${row['number'] ?? ''}`);
      const actual = specEnum.values.map((value, index) => `${value}=${index}`);
      if (JSON.stringify(expected) !== JSON.stringify(actual)) differences.push(`${specEnum.protoName}: enums.tsv ${expected.join(' ')}, contract ${actual.join(' ')}`);
    }
    expect(differences).to.deep.equal([]);
  });

  it('should route all 265 bindings of rpcs.tsv with their body rule, types and streaming kind, and no other', () => {
    const bodyRule = (row: Row): string => {
      const body = row['body'] ?? '';
      if (body === '*') return 'whole';
      if (body !== '') return `field ${body}`;
      return row['verb'] === 'GET' || row['verb'] === 'DELETE' ? 'none' : 'query';
    };
    const expected = readTable(directory, 'rpcs.tsv').map((row) => {
      // Verify streams both ways (challenge, then response); keystream does not serve it as a watch.
      const kind = row['server_streaming'] === 'true' && row['client_streaming'] === 'false' ? 'stream' : 'unary';
      return `${row['rpc'] ?? ''} ${row['verb'] ?? ''} ${row['path'] ?? ''} ${bodyRule(row)} ${row['input'] ?? ''} → ${row['output'] ?? ''} ${kind}`;
    });
    const actual = METHODS.flatMap((method) =>
      method.routes.map((route) => {
        const body = route.body.kind === 'field' ? `field ${route.body.fieldPath}` : route.body.kind;
        const output = method.responseType === 'Empty' ? 'google.protobuf.Empty' : messageDescriptor(method.responseType).protoName;
        return `${method.name} ${route.httpMethod} ${route.template.text} ${body} ${messageDescriptor(method.requestType).protoName} → ${output} ${method.kind === 'stream' ? 'stream' : 'unary'}`;
      }),
    );
    expect([...actual].sort()).to.deep.equal([...expected].sort());
    expect(actual).to.have.length(265);
  });

  it('should enforce each of the 129 rules of rules.tsv on the field it names', () => {
    const rows = readTable(directory, 'rules.tsv');
    const missing: string[] = [];
    for (const row of rows) {
      const candidates = allMessageDescriptors().filter((message) => message.protoName === `ntt.iam.v1.${row['message'] ?? ''}` || message.protoName.endsWith(`.${row['message'] ?? ''}`));
      const fields = candidates.flatMap((message) => message.fields.filter((field) => field.jsonName === row['field_json']));
      const text = row['rule'] ?? '';
      const holds = fields.length === 1 && (fields[0] as FieldDescriptor).rules.some((rule) => JSON.stringify(rule) === JSON.stringify(ruleOf(text)));
      if (!holds) missing.push(`${row['message'] ?? ''}.${row['field_json'] ?? ''}: ${text} (${fields.length} fields named so)`);
    }
    expect(missing).to.deep.equal([]);
    expect(rows).to.have.length(129);
  });
});

/** The rule a rules.tsv text states, in the registry's form (read independently of the generator). */
function ruleOf(text: string): unknown {
  const numbers = (text.match(/-?\d+/g) ?? []).map(Number);
  if (text === 'required') return { kind: 'required' };
  if (text === 'email address') return { kind: 'email' };
  if (text === 'PEM') return { kind: 'pem' };
  if (text === 'defined enum value') return { kind: 'definedEnum' };
  if (text.endsWith(' characters')) return { kind: 'maxLength', max: numbers[0] };
  if (text.endsWith(' items')) return { kind: 'maxItems', max: numbers[0] };
  if (text.startsWith('>= ')) return { kind: 'range', min: numbers[0] };
  if (text.endsWith(' inclusive')) return { kind: 'range', min: numbers[0], max: numbers[1] };
  if (text.startsWith('one of: ')) return { kind: 'oneOfValues', values: text.slice('one of: '.length).split(' ').map((value) => (value === '""' ? '' : value)) };
  return text;
}
