/**
 * Conformance of the contract with the API reference.
 *
 * The reference is read at test time from ../shared/spec/ (CI has it beside the clone). The
 * expectations below are extracted with a deliberately separate, line-oriented reading of the
 * text, not with the generator's parser, so a parser bug cannot hide a missing rpc, route, field
 * or enum value: both readings must agree with each other and with the contract's runtime tables.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderContractFiles } from './codegen/contractFiles.js';
import { parseSpec } from './codegen/specParser.js';
import { findSpec, SPEC_FILE_NAME } from './codegen/specLocation.js';
import { EXTENSION_SECTION } from './codegen/extensionModel.js';
import { findUpstreamDirectory, readUpstreamTables } from './codegen/upstreamTables.js';
import { FIELD_TYPE_CORRECTIONS, WELL_KNOWN_SECTION } from './codegen/wellKnownModel.js';
import { WIRE_MODEL } from './generated/wireModel.js';
import { METHODS } from './methods/methodTable.js';
import { allEnumDescriptors, allMessageDescriptors, type FieldDescriptor } from './registry/messageRegistry.js';

/** What an independent, line-by-line reading of the reference finds. */
interface ReferenceFacts {
  readonly rpcs: Set<string>;
  readonly routes: Set<string>;
  readonly permissions: Set<string>;
  readonly fields: Set<string>;
  readonly enumValues: Set<string>;
  readonly messages: Set<string>;
}

function emptyFacts(): ReferenceFacts {
  return { rpcs: new Set(), routes: new Set(), permissions: new Set(), fields: new Set(), enumValues: new Set(), messages: new Set() };
}

function readReference(text: string): ReferenceFacts {
  const facts = emptyFacts();
  let rpc = '';
  let table: 'fields' | 'values' | undefined;
  let owner = '';
  for (const line of text.split('\n').map((raw) => raw.trimEnd())) {
    const rpcMatch = /^rpc (\w+)\((\S+)\) returns \((\S+)\)$/.exec(line);
    if (rpcMatch) {
      rpc = rpcMatch[1] as string;
      facts.rpcs.add(`${rpc}(${rpcMatch[2] as string}) → ${rpcMatch[3] as string}`);
      continue;
    }
    const routeMatch = /^(GET|POST|PUT|PATCH|DELETE) (\S+)(?: \(BODY: (\S+)\))?$/.exec(line);
    if (routeMatch) {
      facts.routes.add(`${rpc} ${routeMatch[1] as string} ${routeMatch[2] as string} body=${routeMatch[3] ?? '-'}`);
      continue;
    }
    const permissionMatch = /^\s+•\s+(services\/iam\.edgelq\.com\/permissions\/\S+)$/.exec(line);
    if (permissionMatch) {
      facts.permissions.add(`${rpc} ${permissionMatch[1] as string}`);
      continue;
    }
    const heading = /^(\S+) (Message|Enumeration)$/.exec(line);
    if (heading) {
      owner = heading[1] as string;
      if (heading[2] === 'Message') facts.messages.add(owner);
      table = undefined;
      continue;
    }
    if (line === 'Name Type Description') table = 'fields';
    else if (line === 'Name Description') table = 'values';
    else if (line === '') table = undefined;
    else if (table === 'fields' && line !== 'none none none') {
      // name, then "repeated T" | "map<K, V>" | "T"
      const field = /^(\w+) (repeated \S+|map<\S+ \S+>|\S+)/.exec(line);
      if (field) {
        // The few types the wire tables correct (ntt_admin_credentials) are compared corrected.
        const corrected = FIELD_TYPE_CORRECTIONS[`${owner}.${field[1] as string}`];
        facts.fields.add(`${owner}.${field[1] as string}: ${corrected ?? (field[2] as string).replace('uint32s', 'uint32')}`);
      }
    } else if (table === 'values') {
      facts.enumValues.add(`${owner}.${line.split(' ')[0] as string}`);
    }
  }
  return facts;
}

const SCALAR_TOKENS: Readonly<Record<string, string>> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  bytes: 'bytes',
  timestamp: '.google.protobuf.Timestamp',
  fieldMask: '.google.protobuf.FieldMask',
  struct: '.google.protobuf.Struct',
};

/** Writes a contract field back in the reference's notation, to compare like with like. */
function referenceNotation(field: FieldDescriptor): string {
  const value = field.value;
  const type =
    value.kind === 'scalar' ? (SCALAR_TOKENS[value.scalar] as string) : value.kind === 'enum' ? value.enumName : value.messageName;
  if (field.cardinality === 'repeated') return `repeated ${type}`;
  if (field.cardinality === 'map') return `map<string, ${type}>`;
  return type;
}

function contractFacts(): ReferenceFacts {
  const facts = emptyFacts();
  for (const method of METHODS) {
    facts.rpcs.add(`${method.name}(${method.requestType}) → ${method.responseType}`);
    const extra = new Set(WIRE_MODEL.extraRoutes.filter((candidate) => candidate.rpc === method.name).map((candidate) => `${candidate.route.verb} ${candidate.route.path}`));
    for (const route of method.routes) {
      // Bindings upstream adds to the reference's are checked against rpcs.tsv (wireConformance.spec.ts).
      if (extra.has(`${route.httpMethod} ${route.template.text}`)) continue;
      facts.routes.add(`${method.name} ${route.httpMethod} ${route.template.text} body=${route.declaredBody ?? '-'}`);
    }
    if (method.permission !== undefined) facts.permissions.add(`${method.name} ${method.permission}`);
  }
  for (const message of allMessageDescriptors()) {
    if (message.section === WELL_KNOWN_SECTION || message.section === EXTENSION_SECTION) continue;
    facts.messages.add(message.name);
    for (const field of message.fields) facts.fields.add(`${message.name}.${field.protoName}: ${referenceNotation(field)}`);
  }
  for (const specEnum of allEnumDescriptors()) {
    if (specEnum.section === WELL_KNOWN_SECTION || specEnum.section === EXTENSION_SECTION) continue;
    for (const value of specEnum.values) facts.enumValues.add(`${specEnum.name}.${value}`);
  }
  return facts;
}

function difference(left: ReadonlySet<string>, right: ReadonlySet<string>): string[] {
  return [...left].filter((item) => !right.has(item)).sort();
}

describe('the contract, compared with the API reference', () => {
  let specText = '';
  let reference: ReferenceFacts | undefined;
  let contract: ReferenceFacts | undefined;

  before(function (this: Mocha.Context) {
    const specPath = findSpec();
    if (specPath === undefined) {
      console.log(`      skipped: ${SPEC_FILE_NAME} not found beside the repository (../shared/spec/) and KEYSTREAM_SPEC_PATH is unset`);
      this.skip();
    }
    specText = readFileSync(specPath, 'utf8');
    reference = readReference(specText);
    contract = contractFacts();
  });

  after(() => {
    if (reference === undefined || contract === undefined) return;
    console.log(
      `      checked ${contract.rpcs.size}/${reference.rpcs.size} RPCs, ${contract.routes.size}/${reference.routes.size} routes, ` +
        `${contract.permissions.size}/${reference.permissions.size} permissions, ${contract.messages.size}/${reference.messages.size} messages, ` +
        `${contract.fields.size}/${reference.fields.size} fields, ${contract.enumValues.size}/${reference.enumValues.size} enum values`,
    );
  });

  const aspects = ['rpcs', 'routes', 'permissions', 'messages', 'fields', 'enumValues'] as const;
  for (const aspect of aspects) {
    describe(`having read the reference's ${aspect}`, () => {
      it(`should find every one of them in the contract`, () => {
        expect(difference(reference![aspect], contract![aspect]), `${aspect} in the reference but not in the contract`).to.deep.equal([]);
      });
      it(`should find nothing in the contract the reference does not have`, () => {
        expect(difference(contract![aspect], reference![aspect]), `${aspect} in the contract but not in the reference`).to.deep.equal([]);
      });
    });
  }

  it('should hold the counts the reference states: 158 RPCs, 263 routes, 15 resources', () => {
    expect(reference!.rpcs.size).to.equal(158);
    expect(reference!.routes.size).to.equal(263);
    expect(parseSpec(specText).resources).to.have.length(15);
  });

  describe('having regenerated the contract from the reference and the wire tables in memory', () => {
    it('should equal the committed generated files (run `npm run generate` when this fails)', function (this: Mocha.Context) {
      const tables = findUpstreamDirectory();
      if (tables === undefined) {
        console.log('      skipped: ../shared/spec/upstream/ not found beside the repository');
        this.skip();
      }
      const { files } = renderContractFiles(specText, readUpstreamTables(tables));
      for (const [name, text] of Object.entries(files)) {
        const committed = readFileSync(new URL(`./generated/${name}`, import.meta.url), 'utf8');
        expect(text === committed, `${name} is stale`).to.equal(true);
      }
    });
  });
});
