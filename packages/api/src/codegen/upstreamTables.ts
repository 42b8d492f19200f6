/**
 * Reader of the wire-fact tables beside the API reference (`shared/spec/upstream/*.tsv`): protobuf
 * field numbers, oneof groups and JSON names (`wire.tsv`), enum numbers (`enums.tsv`), every HTTP
 * binding with its body rule (`rpcs.tsv`) and the SDK's validation rules (`rules.tsv`).
 *
 * Strict like the reference's parser: a row with the wrong number of columns, or a rule this reader
 * does not know, is an error naming the file and line, so a change of the tables fails loudly
 * instead of silently dropping a fact.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultSpecPath } from './specLocation.js';

/** One row of `wire.tsv`: a field of a message, by its fully qualified proto message name. */
export interface WireFieldRow {
  readonly message: string;
  readonly field: string;
  readonly number: number;
  /** Proto scalar type, `message` or `enum`. */
  readonly type: string;
  /** Fully qualified type name for message and enum fields. */
  readonly typeName: string;
  readonly repeated: boolean;
  readonly oneof?: string;
  readonly jsonName: string;
  readonly outputOnly: boolean;
}

/** One row of `enums.tsv`. */
export interface EnumValueRow {
  readonly enumName: string;
  readonly value: string;
  readonly number: number;
}

/** One row of `rpcs.tsv`: an HTTP binding of an RPC. */
export interface RpcRouteRow {
  readonly service: string;
  readonly rpc: string;
  readonly input: string;
  readonly output: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  readonly verb: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** The `body` of the binding: a field path, `*`, or undefined when it declares none. */
  readonly body?: string;
}

/** A validation rule of the SDK, in a closed form the contract can enforce. */
export type ValidationRule =
  | { readonly kind: 'required' }
  | { readonly kind: 'maxLength'; readonly max: number }
  | { readonly kind: 'maxItems'; readonly max: number }
  | { readonly kind: 'range'; readonly min: number; readonly max?: number }
  | { readonly kind: 'email' }
  | { readonly kind: 'pem' }
  | { readonly kind: 'definedEnum' }
  | { readonly kind: 'oneOfValues'; readonly values: readonly string[] };

/** One row of `rules.tsv`: a rule on a field, the message given by its short (unqualified) name. */
export interface RuleRow {
  readonly message: string;
  /** The field's JSON name, as the table writes it. */
  readonly fieldJson: string;
  readonly text: string;
  readonly rule: ValidationRule;
}

/** The four tables. */
export interface UpstreamTables {
  readonly fields: readonly WireFieldRow[];
  readonly enumValues: readonly EnumValueRow[];
  readonly routes: readonly RpcRouteRow[];
  readonly rules: readonly RuleRow[];
}

/** A table's row is not what this reader expects. */
export class UpstreamTableError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file} line ${line}: ${message}`);
    this.name = 'UpstreamTableError';
  }
}

/** Rows of a TSV table after its header, which must be exactly `header`. */
function rows(file: string, text: string, header: readonly string[]): { line: number; cells: string[] }[] {
  const lines = text.split(/\r?\n/);
  const first = lines[0]?.split('\t') ?? [];
  if (first.join('\t') !== header.join('\t')) throw new UpstreamTableError(file, 1, `expected the header "${header.join(' ')}"`);
  const result: { line: number; cells: string[] }[] = [];
  lines.slice(1).forEach((raw, index) => {
    if (raw === '') return;
    const cells = raw.split('\t');
    if (cells.length !== header.length) throw new UpstreamTableError(file, index + 2, `expected ${header.length} columns, found ${cells.length}`);
    result.push({ line: index + 2, cells });
  });
  return result;
}

function integer(file: string, line: number, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new UpstreamTableError(file, line, `"${text}" is not an integer`);
  return Number(text);
}

function bool(file: string, line: number, text: string): boolean {
  if (text !== 'true' && text !== 'false') throw new UpstreamTableError(file, line, `"${text}" is not true or false`);
  return text === 'true';
}

/** Parses `wire.tsv`. */
export function parseWireTable(text: string): WireFieldRow[] {
  const file = 'wire.tsv';
  const header = ['message', 'field', 'number', 'type', 'type_name', 'label', 'oneof', 'json_name', 'output_only'];
  return rows(file, text, header).map(({ line, cells }) => {
    const [message, field, number, type, typeName, label, oneof, jsonName, outputOnly] = cells as [string, string, string, string, string, string, string, string, string];
    if (label !== 'optional' && label !== 'repeated') throw new UpstreamTableError(file, line, `unknown label "${label}"`);
    if (outputOnly !== '' && outputOnly !== 'yes') throw new UpstreamTableError(file, line, `unknown output_only "${outputOnly}"`);
    return {
      message,
      field,
      number: integer(file, line, number),
      type,
      typeName,
      repeated: label === 'repeated',
      ...(oneof === '' ? {} : { oneof }),
      jsonName,
      outputOnly: outputOnly === 'yes',
    };
  });
}

/** Parses `enums.tsv`. */
export function parseEnumTable(text: string): EnumValueRow[] {
  return rows('enums.tsv', text, ['enum', 'value', 'number']).map(({ line, cells }) => ({
    enumName: cells[0] as string,
    value: cells[1] as string,
    number: integer('enums.tsv', line, cells[2] as string),
  }));
}

const VERBS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses `rpcs.tsv`. */
export function parseRpcTable(text: string): RpcRouteRow[] {
  const file = 'rpcs.tsv';
  const header = ['service', 'rpc', 'input', 'output', 'client_streaming', 'server_streaming', 'verb', 'path', 'body'];
  return rows(file, text, header).map(({ line, cells }) => {
    const [service, rpc, input, output, clientStreaming, serverStreaming, verb, routePath, body] = cells as [string, string, string, string, string, string, string, string, string];
    if (!VERBS.has(verb)) throw new UpstreamTableError(file, line, `unknown HTTP verb "${verb}"`);
    return {
      service,
      rpc,
      input,
      output,
      clientStreaming: bool(file, line, clientStreaming),
      serverStreaming: bool(file, line, serverStreaming),
      verb: verb as RpcRouteRow['verb'],
      path: routePath,
      ...(body === '' ? {} : { body }),
    };
  });
}

/** Reads one rule as `rules.tsv` words it. */
export function parseRule(text: string): ValidationRule | undefined {
  if (text === 'required') return { kind: 'required' };
  if (text === 'email address') return { kind: 'email' };
  if (text === 'PEM') return { kind: 'pem' };
  if (text === 'defined enum value') return { kind: 'definedEnum' };
  let match = /^max (\d+) characters$/.exec(text);
  if (match) return { kind: 'maxLength', max: Number(match[1]) };
  match = /^max (\d+) items$/.exec(text);
  if (match) return { kind: 'maxItems', max: Number(match[1]) };
  match = /^>= (-?\d+)$/.exec(text);
  if (match) return { kind: 'range', min: Number(match[1]) };
  match = /^(-?\d+)\.\.(-?\d+) inclusive$/.exec(text);
  if (match) return { kind: 'range', min: Number(match[1]), max: Number(match[2]) };
  match = /^one of: (.*)$/.exec(text);
  if (match) {
    const values = (match[1] as string).split(' ').map((value) => (value === '""' ? '' : value));
    return { kind: 'oneOfValues', values };
  }
  return undefined;
}

/** Parses `rules.tsv`. */
export function parseRuleTable(text: string): RuleRow[] {
  const file = 'rules.tsv';
  return rows(file, text, ['message', 'field_json', 'rule']).map(({ line, cells }) => {
    const [message, fieldJson, ruleText] = cells as [string, string, string];
    const rule = parseRule(ruleText);
    if (rule === undefined) throw new UpstreamTableError(file, line, `unknown rule "${ruleText}"`);
    return { message, fieldJson, text: ruleText, rule };
  });
}

/** The folder of the tables: `upstream/` beside the reference (`../shared/spec/upstream`). */
export function upstreamDirectory(): string {
  return path.join(path.dirname(defaultSpecPath()), 'upstream');
}

/** The folder of the tables if it exists, else undefined (a user's clone may not have it). */
export function findUpstreamDirectory(): string | undefined {
  const directory = upstreamDirectory();
  return existsSync(path.join(directory, 'wire.tsv')) ? directory : undefined;
}

/** Reads and parses the four tables from a folder. */
export function readUpstreamTables(directory: string = upstreamDirectory()): UpstreamTables {
  const read = (name: string): string => readFileSync(path.join(directory, name), 'utf8');
  return {
    fields: parseWireTable(read('wire.tsv')),
    enumValues: parseEnumTable(read('enums.tsv')),
    routes: parseRpcTable(read('rpcs.tsv')),
    rules: parseRuleTable(read('rules.tsv')),
  };
}
