/**
 * The descriptors the gRPC edge encodes with (docs/proto, as loaded) against the upstream wire
 * tables, field by field: what a client built from the SDK's own protos puts on the wire.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import { loadProtoRoot } from './protoCatalog.js';
import { jsonNameOf } from './protoJson.js';

const UPSTREAM = process.env['KEYSTREAM_SPEC_PATH'] === undefined
  ? fileURLToPath(new URL('../../../../shared/spec/upstream', import.meta.url))
  : path.join(path.dirname(process.env['KEYSTREAM_SPEC_PATH']), 'upstream');

function rows(file: string): string[][] {
  return readFileSync(path.join(UPSTREAM, file), 'utf8').split('\n').slice(1).filter((line) => line !== '').map((line) => line.split('\t'));
}

const PROTO_TYPE: Readonly<Record<string, string>> = { string: 'string', bool: 'bool', bytes: 'bytes', int32: 'int32', int64: 'int64', uint32: 'uint32' };

describe('the generated descriptors against wire.tsv', () => {
  const root = loadProtoRoot();
  const wire = rows('wire.tsv');
  const rendered = wire.filter(([message]) => root.lookup(message ?? '') instanceof protobuf.Type);

  it('should declare every message and field of ntt.iam.v1', () => {
    const iamRows = wire.filter(([message]) => message?.startsWith('ntt.iam.v1.'));
    const missing = iamRows.filter(([message]) => !(root.lookup(message ?? '') instanceof protobuf.Type) && !(message ?? '').endsWith('Entry'));
    expect(missing.map(([message, field]) => `${message ?? ''}.${field ?? ''}`)).to.deep.equal([]);
    expect(rendered.length).to.be.greaterThan(iamRows.length - 20);
  });

  it('should give every field its number, type, label, oneof and JSON name', () => {
    const mismatches: string[] = [];
    for (const [message = '', name = '', number, type = '', typeName = '', label, oneof = '', jsonName] of rendered) {
      const owner = root.lookupType(message);
      // A map's entry type is synthetic in protobufjs: its key/value are checked through the map field.
      if (message.endsWith('Entry') && owner.fieldsArray.length === 0) continue;
      const field = owner.fields[name];
      const where = `${message}.${name}`;
      if (field === undefined) {
        mismatches.push(`${where}: missing`);
        continue;
      }
      if (field.id !== Number(number)) mismatches.push(`${where}: number ${field.id}, wire.tsv ${number ?? ''}`);
      if (jsonNameOf(field) !== jsonName) mismatches.push(`${where}: JSON name ${jsonNameOf(field)}, wire.tsv ${jsonName ?? ''}`);
      if ((field.partOf?.name ?? '') !== oneof) mismatches.push(`${where}: oneof ${field.partOf?.name ?? '-'}, wire.tsv ${oneof || '-'}`);
      if (field instanceof protobuf.MapField) {
        const entry = wire.filter(([entryMessage]) => entryMessage === typeName);
        const mapField = field;
        const [key, value] = [entry.find(([, entryField]) => entryField === 'key'), entry.find(([, entryField]) => entryField === 'value')];
        if (label !== 'repeated' || key?.[3] !== mapField.keyType) mismatches.push(`${where}: map key ${mapField.keyType}`);
        const valueType = value?.[3] === 'message' ? `.${value[4] ?? ''}` : value?.[3];
        if ((mapField.resolvedType?.fullName ?? mapField.type) !== valueType) mismatches.push(`${where}: map value ${mapField.type}, wire.tsv ${valueType ?? ''}`);
        continue;
      }
      if ((label === 'repeated') !== field.repeated) mismatches.push(`${where}: repeated ${String(field.repeated)}, wire.tsv ${label ?? ''}`);
      const actual = field.resolvedType?.fullName ?? field.type;
      const expected = type === 'message' || type === 'enum' ? `.${typeName}` : PROTO_TYPE[type];
      if (actual !== expected) mismatches.push(`${where}: type ${actual}, wire.tsv ${expected ?? type}`);
      if (type === 'enum' && !(field.resolvedType instanceof protobuf.Enum)) mismatches.push(`${where}: not an enum`);
    }
    expect(mismatches).to.deep.equal([]);
  });

  it('should give every enum its values and numbers', () => {
    const mismatches = rows('enums.tsv')
      .filter(([name]) => root.lookup(name ?? '') instanceof protobuf.Enum)
      .filter(([name = '', value = '', number]) => root.lookupEnum(name).values[value] !== Number(number))
      .map(([name, value]) => `${name ?? ''}.${value ?? ''}`);
    expect(mismatches).to.deep.equal([]);
  });

  it('should declare every RPC of rpcs.tsv with its types, streaming kinds and HTTP bindings', () => {
    const bindings = rows('rpcs.tsv');
    const rpcs = new Map<string, string[][]>();
    for (const row of bindings) rpcs.set(`${row[0] ?? ''}.${row[1] ?? ''}`, [...(rpcs.get(`${row[0] ?? ''}.${row[1] ?? ''}`) ?? []), row]);
    expect(rpcs.size).to.equal(158);
    const mismatches: string[] = [];
    for (const [fullName, [[service = '', rpc = '', input, output, clientStreaming, serverStreaming, verb = '', route, body] = [], ...additional]] of rpcs) {
      const method = root.lookupService(service).methods[rpc];
      if (method === undefined) {
        mismatches.push(`${fullName}: missing`);
        continue;
      }
      if (method.resolvedRequestType?.fullName !== `.${input ?? ''}` || method.resolvedResponseType?.fullName !== `.${output ?? ''}`) mismatches.push(`${fullName}: types`);
      if (method.requestStream !== (clientStreaming === 'true') && !(method.requestStream === undefined && clientStreaming === 'false')) mismatches.push(`${fullName}: client streaming`);
      if (method.responseStream !== (serverStreaming === 'true') && !(method.responseStream === undefined && serverStreaming === 'false')) mismatches.push(`${fullName}: server streaming`);
      const options = (method.options ?? {}) as Record<string, unknown>;
      if (options[`(google.api.http).${verb.toLowerCase()}`] !== route) mismatches.push(`${fullName}: primary binding ${String(options[`(google.api.http).${verb.toLowerCase()}`])}, rpcs.tsv ${route ?? ''}`);
      if ((options['(google.api.http).body'] ?? '') !== (body ?? '')) mismatches.push(`${fullName}: body`);
      const parsed = (method.parsedOptions ?? []) as Record<string, { additional_bindings?: Record<string, string> | Record<string, string>[] }>[];
      const rule = parsed.find((option) => option['(google.api.http)'] !== undefined)?.['(google.api.http)'];
      const more = rule?.additional_bindings === undefined ? [] : Array.isArray(rule.additional_bindings) ? rule.additional_bindings : [rule.additional_bindings];
      const expectedMore = additional.map((row) => `${(row[6] ?? '').toLowerCase()} ${row[7] ?? ''}`);
      const actualMore = more.map((binding) => Object.entries(binding).map(([key, value]) => `${key} ${value}`).join(''));
      if (JSON.stringify(actualMore) !== JSON.stringify(expectedMore)) mismatches.push(`${fullName}: additional bindings ${JSON.stringify(actualMore)}, rpcs.tsv ${JSON.stringify(expectedMore)}`);
    }
    expect(mismatches).to.deep.equal([]);
  });
});
