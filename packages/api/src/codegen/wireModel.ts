/**
 * The wire facts of the contract, joined from the reference's structure and the upstream tables:
 * for every message of the contract its proto name, and for every field its protobuf number,
 * JSON name, oneof group and output-only flag; the SDK's validation rules resolved to contract
 * fields; and the HTTP bindings upstream has that the reference lacks.
 *
 * The join is strict: a contract field without a row in `wire.tsv`, a row the contract lacks, a
 * rule naming no (or more than one) field, a binding whose body rule contradicts the reference,
 * all throw, so `npm run generate` cannot produce a contract that disagrees with the tables.
 */
import { jsonName as computedJsonName } from './renderContract.js';
import type { SpecMessage, SpecModel, SpecRoute } from './specParser.js';
import type { RpcRouteRow, UpstreamTables, ValidationRule, WireFieldRow } from './upstreamTables.js';
import { WELL_KNOWN_ENUMS, WELL_KNOWN_MESSAGES, WELL_KNOWN_PROTO_NAMES } from './wellKnownModel.js';

/** Wire facts of one field. */
export interface WireFieldFacts {
  /** Proto field name. */
  readonly name: string;
  readonly number: number;
  /** Present only when the proto's json_name differs from the lowerCamelCase of the name. */
  readonly jsonName?: string;
  readonly oneof?: string;
  readonly outputOnly?: true;
}

/** Wire facts of one message. */
export interface WireMessageFacts {
  /** Contract name (`Role.Grant`). */
  readonly name: string;
  /** Fully qualified proto name (`ntt.iam.v1.Role.Grant`). */
  readonly protoName: string;
  readonly fields: readonly WireFieldFacts[];
}

/** A validation rule of the SDK on a contract field. */
export interface WireRule {
  readonly message: string;
  /** Proto field name. */
  readonly field: string;
  readonly rule: ValidationRule;
  /** The rule as `rules.tsv` words it. */
  readonly text: string;
}

/** The wire facts of the whole contract. */
export interface WireModel {
  readonly messages: readonly WireMessageFacts[];
  /** Fully qualified proto names of the contract's enums, by contract name. */
  readonly enums: Readonly<Record<string, string>>;
  readonly rules: readonly WireRule[];
  /** Upstream bindings the reference does not list, by RPC name. */
  readonly extraRoutes: readonly { readonly rpc: string; readonly route: SpecRoute }[];
  /**
   * The RPCs whose responses stream (`server_streaming`), by name: `server` when the request is
   * one message, `bidirectional` when requests stream too (Verify).
   */
  readonly streaming: Readonly<Record<string, StreamingKind>>;
}

/** How an RPC's messages stream. */
export type StreamingKind = 'server' | 'bidirectional';

function streamingOf(routes: readonly RpcRouteRow[]): WireModel['streaming'] {
  const streaming: Record<string, StreamingKind> = {};
  for (const row of routes) {
    if (row.clientStreaming && !row.serverStreaming) throw new Error(`rpcs.tsv: ${row.rpc} streams only requests; the contract has no such method`);
    if (row.serverStreaming) streaming[row.rpc] = row.clientStreaming ? 'bidirectional' : 'server';
  }
  return streaming;
}

/** Fully qualified proto name of a contract message or enum. */
export function protoNameOf(contractName: string, protoPackage: string): string {
  return WELL_KNOWN_PROTO_NAMES[contractName] ?? `${protoPackage}.${contractName}`;
}

function routeKey(rpc: string, verb: string, path: string): string {
  return `${rpc} ${verb} ${path}`;
}

function extraRoutes(model: SpecModel, routes: readonly RpcRouteRow[]): WireModel['extraRoutes'] {
  const declared = new Map<string, SpecRoute>();
  for (const method of model.methods) for (const route of method.routes) declared.set(routeKey(method.name, route.verb, route.path), route);
  const methods = new Set(model.methods.map((method) => method.name));
  const extra: { rpc: string; route: SpecRoute }[] = [];
  for (const row of routes) {
    if (!methods.has(row.rpc)) throw new Error(`rpcs.tsv: ${row.rpc} is not a method of the reference`);
    const known = declared.get(routeKey(row.rpc, row.verb, row.path));
    if (known === undefined) {
      extra.push({ rpc: row.rpc, route: { verb: row.verb, path: row.path, ...(row.body === undefined ? {} : { body: row.body }) } });
    } else if (known.body !== row.body) {
      throw new Error(`rpcs.tsv: ${row.rpc} ${row.verb} ${row.path} has body "${row.body ?? ''}", the reference "${known.body ?? ''}"`);
    }
  }
  return extra;
}

function messageFacts(message: SpecMessage, protoName: string, rows: readonly WireFieldRow[]): WireMessageFacts {
  const byName = new Map(rows.map((row) => [row.field, row]));
  const fields = message.fields.map((specField): WireFieldFacts => {
    const row = byName.get(specField.name);
    if (row === undefined) throw new Error(`wire.tsv has no field ${protoName}.${specField.name} (contract ${message.name})`);
    byName.delete(specField.name);
    return {
      name: specField.name,
      number: row.number,
      ...(row.jsonName === computedJsonName(specField.name) ? {} : { jsonName: row.jsonName }),
      ...(row.oneof === undefined ? {} : { oneof: row.oneof }),
      ...(row.outputOnly ? { outputOnly: true as const } : {}),
    };
  });
  const left = [...byName.keys()];
  if (left.length > 0) throw new Error(`contract message ${message.name} lacks the fields ${left.join(', ')} of ${protoName}`);
  return { name: message.name, protoName, fields };
}

/** Joins the reference's model (with the well-known types) and the upstream tables. */
export function buildWireModel(model: SpecModel, tables: UpstreamTables): WireModel {
  const rowsByMessage = new Map<string, WireFieldRow[]>();
  for (const row of tables.fields) rowsByMessage.set(row.message, [...(rowsByMessage.get(row.message) ?? []), row]);
  const all = [...model.messages, ...WELL_KNOWN_MESSAGES];
  const messages = all.map((message) => messageFacts(message, protoNameOf(message.name, model.protoPackage), rowsByMessage.get(protoNameOf(message.name, model.protoPackage)) ?? []));

  const enums: Record<string, string> = {};
  const enumNames = new Set(tables.enumValues.map((row) => row.enumName));
  for (const specEnum of [...model.enums, ...WELL_KNOWN_ENUMS]) {
    const protoName = protoNameOf(specEnum.name, model.protoPackage);
    if (!enumNames.has(protoName)) throw new Error(`enums.tsv has no enum ${protoName} (contract ${specEnum.name})`);
    enums[specEnum.name] = protoName;
  }

  // Rules name messages by their last name segment (`Grant` for Role.Grant): each must name one.
  const rules = tables.rules.map((row): WireRule => {
    const candidates = all.filter((message) => message.name === row.message || message.name.endsWith(`.${row.message}`));
    const matches = candidates.flatMap((message) =>
      message.fields
        .filter((specField) => (messages.find((facts) => facts.name === message.name)?.fields.find((facts) => facts.name === specField.name)?.jsonName ?? computedJsonName(specField.name)) === row.fieldJson)
        .map((specField) => ({ message: message.name, field: specField.name })),
    );
    if (matches.length !== 1) throw new Error(`rules.tsv: ${row.message}.${row.fieldJson} names ${matches.length} contract fields, expected one`);
    const match = matches[0] as { message: string; field: string };
    return { message: match.message, field: match.field, rule: row.rule, text: row.text };
  });

  return { messages, enums, rules, extraRoutes: extraRoutes(model, tables.routes), streaming: streamingOf(tables.routes) };
}

/** Renders `generated/wireModel.ts`. */
export function renderWireModel(wire: WireModel, header: string): string {
  const messageLine = (message: WireMessageFacts): string =>
    message.fields.length === 0
      ? `    ${JSON.stringify(message)},`
      : `    {"name":${JSON.stringify(message.name)},"protoName":${JSON.stringify(message.protoName)},"fields":[\n${message.fields
          .map((facts) => `      ${JSON.stringify(facts)},`)
          .join('\n')}\n    ]},`;
  return [
    header,
    `import type { WireModel } from '../codegen/wireModel.js';`,
    '',
    `/** Field numbers, JSON names, oneofs, validation rules, extra bindings and streaming RPCs of the contract (upstream tables). */`,
    `export const WIRE_MODEL: WireModel = {`,
    `  "messages": [\n${wire.messages.map(messageLine).join('\n')}\n  ],`,
    `  "enums": ${JSON.stringify(wire.enums)},`,
    `  "rules": [\n${wire.rules.map((rule) => `    ${JSON.stringify(rule)},`).join('\n')}\n  ],`,
    `  "extraRoutes": [\n${wire.extraRoutes.map((route) => `    ${JSON.stringify(route)},`).join('\n')}\n  ],`,
    `  "streaming": ${JSON.stringify(wire.streaming)}`,
    `};`,
    '',
  ].join('\n');
}
