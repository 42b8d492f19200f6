/**
 * Wire compatibility with clients generated from the real protos, against a real keystream:
 * - every one of the 265 bindings of `rpcs.tsv`, called with a request built exactly as
 *   grpc-gateway's rules build it (query strings for bindings without a body), reaches its method
 *   (no unknown route, no 405, no INVALID_ARGUMENT from the edge), and every answer that succeeds
 *   parses with a strict protobuf JSON parser built from `wire.tsv` (stream lines: `{"result": …}`);
 * - every one of the 129 validation rules of `rules.tsv`, tried with a violating value over HTTP,
 *   is refused with INVALID_ARGUMENT naming the field.
 * The tests are generated from the tables, read from ../shared/spec/upstream beside the repository.
 */
import {
  decodeMessage,
  messageDescriptor,
  methodByName,
  RESOURCES,
  resourceByKind,
  type MessageDescriptor,
  type MessageName,
  type NamePattern,
  type ResourceKind,
  type ValidationRule,
} from '@keystream/api';
import {
  findUpstreamDirectory,
  gatewayRequest,
  minimalMessage,
  readUpstreamTables,
  setPath,
  templateVariables,
  type GatewayRequest,
  type RpcRouteRow,
  type UpstreamTables,
  type WireRequest,
} from '@keystream/api/testing';
import { SoftwareTpm, softwareTpmUnavailable } from '@keystream/attestation/testing';
import { expect } from 'chai';
import http from 'node:http';
import { parseStrictly, strictRegistry } from '../support/strictProtoJson.js';
import { callOverGrpc, type GrpcOutcome } from '../support/wireGrpcCall.js';
import { BINDING_SCENARIOS, type ScenarioContext } from './support/bindingScenarios.js';
import { isCreatable, newId, type ResourceFixtures } from './support/resourceFixtures.js';
import { useKeystream } from './support/useKeystream.js';

interface Answer {
  readonly status: number;
  readonly contentType: string;
  /** The whole body, or for a stream the lines read before it was closed. */
  readonly text: string;
}

/** Sends one request; a stream is read up to its first line (or its end) and then closed. */
function send(baseUrl: string, headers: Readonly<Record<string, string>>, request: GatewayRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      new URL(request.target, baseUrl),
      {
        method: request.verb,
        agent: false,
        headers: { ...headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) }) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        const contentType = response.headers['content-type'] ?? '';
        const finish = (): void => { resolve({ status: response.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }); };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (contentType.startsWith('application/x-ndjson') && chunk.includes(10)) {
            finish();
            outgoing.destroy();
          }
        });
        response.on('end', finish);
        response.on('error', () => { finish(); });
      },
    );
    outgoing.on('error', (error) => { outgoing.destroyed ? undefined : reject(error); });
    outgoing.end(request.body);
  });
}

/**
 * Gives each empty message of a request one string field, as a client sets something in what it
 * sends: an empty message leaves no query parameter, and would arrive absent.
 */
function fillEmptyMessages(message: MessageDescriptor, value: WireRequest): void {
  for (const field of message.fields) {
    const nested = value[field.jsonName];
    if (field.value.kind !== 'message' || typeof nested !== 'object' || nested === null || Array.isArray(nested)) continue;
    const nestedMessage = messageDescriptor(field.value.messageName);
    fillEmptyMessages(nestedMessage, nested as WireRequest);
    if (Object.keys(nested).length > 0) continue;
    const text = nestedMessage.fields.find((candidate) => candidate.value.kind === 'scalar' && candidate.value.scalar === 'string' && candidate.cardinality === 'single' && !candidate.outputOnly && candidate.protoName !== 'name' && candidate.rules.every((rule) => rule.kind === 'maxLength'));
    if (text !== undefined) (nested as WireRequest)[text.jsonName] = 'x1';
  }
}

/** The path pattern of a MemberAssignment, which keystream makes from RoleBindings (no Create). */
const MEMBER_ASSIGNMENT_PATTERN = 'regions/*/memberAssignments/*';

/** The kind and name pattern a path variable's pattern (`projects/*\/groups/*`) names, if keystream holds the kind. */
function patternOf(variablePattern: string): { kind: ResourceKind; pattern: NamePattern } | undefined {
  const parts = variablePattern.split('/');
  const collections = parts.filter((_part, index) => index % 2 === 0);
  if (parts.some((part, index) => index % 2 === 1 && part !== '*')) return undefined;
  for (const descriptor of RESOURCES) {
    if (!isCreatable(descriptor.kind)) continue;
    const pattern = descriptor.namePatterns.find((candidate) => candidate.segments.length === collections.length && candidate.segments.every((segment, index) => segment.collection === collections[index]));
    if (pattern !== undefined) return { kind: descriptor.kind, pattern };
  }
  return undefined;
}

/**
 * A request of a binding that addresses resources which exist: each path variable naming a kind
 * keystream holds gets a freshly created resource (its ancestors too); a Create carries a valid
 * new resource under that parent, an Update a labels change under its mask, a BatchGet the name of
 * a resource that exists. Variables naming other services' kinds keep placeholder values.
 */
async function realisticRequest(fixtures: ResourceFixtures, route: RpcRouteRow, requestType: string): Promise<WireRequest> {
  const request = bindingRequest(route, requestType);
  const method = methodByName(route.rpc);
  const descriptor = method.resource === undefined ? undefined : resourceByKind(method.resource);
  for (const variable of templateVariables(route.path)) {
    if (variable.pattern === MEMBER_ASSIGNMENT_PATTERN) {
      setPath(request, requestType, variable.fieldPath, await fixtures.memberAssignment());
      continue;
    }
    const found = patternOf(variable.pattern);
    if (found !== undefined) {
      setPath(request, requestType, variable.fieldPath, (await fixtures.create(found.kind, { pattern: found.pattern })).name);
      continue;
    }
    // `projects/*\/regions/*`: the longest prefix naming a kind keystream holds is created, the
    // rest (other services' kinds) keeps placeholders.
    const parts = variable.pattern.split('/');
    for (let length = parts.length - 2; length >= 2; length -= 2) {
      const prefix = patternOf(parts.slice(0, length).join('/'));
      if (prefix === undefined) continue;
      const created = await fixtures.create(prefix.kind, { pattern: prefix.pattern });
      const rest = parts.slice(length).map((part, index) => (part === '*' ? `x${index}` : part));
      setPath(request, requestType, variable.fieldPath, [created.name, ...rest].join('/'));
      break;
    }
  }
  if (descriptor === undefined || !(isCreatable(descriptor.kind) || descriptor.kind === 'MemberAssignment')) return request;
  if (method.standard === 'create') {
    const parent = typeof request['parent'] === 'string' ? request['parent'] : '';
    const parentCollections = parent === '' ? [] : parent.split('/').filter((_part, index) => index % 2 === 0);
    const pattern = descriptor.namePatterns.find(
      (candidate) => candidate.segments.length === parentCollections.length + 1 && parentCollections.every((collection, index) => candidate.segments[index]?.collection === collection),
    );
    if (pattern === undefined) return request;
    const draft = await fixtures.draft(descriptor.kind, { pattern, name: `${parent === '' ? '' : `${parent}/`}${descriptor.plural}/${newId()}` });
    request[descriptor.singular] = draft.resource;
  } else if (method.standard === 'update') {
    setPath(request, requestType, `${descriptor.singularProto}.metadata`, { labels: { touched: 'yes' } });
    request['updateMask'] = 'metadata.labels';
  } else if (method.standard === 'batchGet') {
    request['names'] = [descriptor.kind === 'MemberAssignment' ? await fixtures.memberAssignment() : (await fixtures.create(descriptor.kind)).name];
  }
  return request;
}

/** The minimal request of a binding: the SDK's required fields and the path variables. */
function bindingRequest(route: RpcRouteRow, requestType: string): WireRequest {
  const request = minimalMessage(requestType);
  fillEmptyMessages(messageDescriptor(requestType), request);
  for (const variable of templateVariables(route.path)) setPath(request, requestType, variable.fieldPath, variable.value);
  return request;
}

function shortName(protoName: string): string {
  return protoName.replace(/^ntt\.iam\.v1\./, '');
}

/** A chain of fields from a request message to the message a rule is on, shortest first. */
function pathTo(requestType: string, target: string): { jsonPath: string[]; repeatedAt: Set<number> } | undefined {
  const queue: { message: MessageDescriptor; path: string[]; repeatedAt: Set<number> }[] = [{ message: messageDescriptor(requestType), path: [], repeatedAt: new Set() }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { message, path, repeatedAt } = queue.shift()!;
    if (message.name === target) return { jsonPath: path, repeatedAt };
    if (seen.has(message.name) || path.length > 4) continue;
    seen.add(message.name);
    for (const field of message.fields) {
      if (field.value.kind !== 'message' || field.cardinality === 'map' || field.outputOnly) continue;
      const nextRepeated = new Set(repeatedAt);
      if (field.cardinality === 'repeated') nextRepeated.add(path.length);
      queue.push({ message: messageDescriptor(field.value.messageName), path: [...path, field.jsonName], repeatedAt: nextRepeated });
    }
  }
  return undefined;
}

function violatingValue(rule: ValidationRule): unknown {
  switch (rule.kind) {
    case 'required':
      return undefined;
    case 'maxLength':
      return 'x'.repeat(rule.max + 1);
    case 'maxItems':
      return Array.from({ length: rule.max + 1 }, (_unused, index) => `u${index}@example.com`);
    case 'range':
      return rule.min - 1;
    case 'email':
      return 'not-an-email';
    case 'pem':
      return 'not PEM text';
    case 'definedEnum':
      return 'NOT_A_VALUE';
    case 'oneOfValues':
      return 'xx-yy';
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
}

describe('wire compatibility with clients built from the real protos (e2e)', function () {
  this.timeout(300_000);
  // Both edges on: the same requests go over REST and over gRPC.
  const suite = useKeystream({ KEYSTREAM_GRPC_PORT: 'auto' });
  let tables: UpstreamTables | undefined;
  let registry: ReturnType<typeof strictRegistry> | undefined;
  let tpm: SoftwareTpm | undefined;

  before(async function (this: Mocha.Context) {
    const directory = findUpstreamDirectory();
    if (directory === undefined) {
      console.log('      skipped: ../shared/spec/upstream/ not found beside the repository');
      this.skip();
    }
    tables = readUpstreamTables(directory);
    registry = strictRegistry(tables);
    // Verify's binding needs a TPM to ask for a challenge: a software one (.ci/run installs
    // swtpm). Without it that binding is reported as failed, naming why.
    const unavailable = softwareTpmUnavailable();
    if (unavailable === undefined) tpm = await SoftwareTpm.start();
    else console.log(`      Verify's binding will fail: ${unavailable}`);
  });

  after(async () => {
    await tpm?.stop();
  });

  /** A binding's request, made realistic and prepared as its method needs, and who sends it. */
  async function prepare(route: RpcRouteRow): Promise<{ message: WireRequest; headers: Readonly<Record<string, string>> }> {
    const context: ScenarioContext = { fixtures: suite.fixtures, headersFor: (email) => suite.server.headersFor(email), tpm };
    const message = await realisticRequest(suite.fixtures, route, shortName(route.input));
    const scenario = BINDING_SCENARIOS[route.rpc];
    const headers = scenario === undefined ? undefined : await scenario(message, context);
    return { message, headers: headers ?? suite.server.headers };
  }

  it('should succeed on all 265 bindings of rpcs.tsv, called as grpc-gateway clients call them, each answer strictly parseable', async () => {
    expect(tables!.routes).to.have.length(265);
    const failures: string[] = [];
    let succeeded = 0;
    for (const route of tables!.routes) {
      const method = methodByName(route.rpc);
      expect(method.name).to.equal(route.rpc);
      const label = `${route.rpc} ${route.verb} ${route.path}`;
      let request: GatewayRequest;
      let headers: Readonly<Record<string, string>>;
      try {
        const prepared = await prepare(route);
        headers = prepared.headers;
        request = gatewayRequest(route, shortName(route.input), prepared.message);
      } catch (error) {
        failures.push(`${label}: the request could not be prepared: ${(error as Error).message}`);
        continue;
      }
      let answer = await send(suite.server.url, headers, request);
      // Reads of the projected store (a single watch, a user looked up by address) may not see a
      // write made a moment ago yet: the call is repeated (bounded) as a client waiting for its
      // own write would.
      for (const deadline = Date.now() + 5_000; (answer.status === 404 || answer.status === 400 || answer.status === 412) && /does not exist|no User resource/.test(answer.text) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await send(suite.server.url, headers, request);
      }
      const target = `${request.verb} ${request.target.length > 160 ? `${request.target.slice(0, 160)}…` : request.target}`;
      if (answer.status !== 200) {
        failures.push(`${route.rpc} ${target}: ${answer.status} ${answer.text.slice(0, 300)}`);
        continue;
      }
      try {
        if (route.serverStreaming) {
          // A stream's first line must be a result: `{"result": <response>}`, as grpc-gateway frames it.
          expect(answer.contentType, 'content type of a stream').to.match(/^application\/x-ndjson/);
          const line = JSON.parse(answer.text.split('\n')[0] as string) as Record<string, unknown>;
          expect(Object.keys(line), `first line ${answer.text.slice(0, 200)}`).to.deep.equal(['result']);
          parseStrictly(registry!, route.output, line['result']);
        } else {
          parseStrictly(registry!, route.output, JSON.parse(answer.text));
        }
        succeeded += 1;
      } catch (error) {
        failures.push(`${route.rpc} ${target}: the answer does not parse strictly: ${(error as Error).message}`);
      }
    }
    console.log(`      ${succeeded} of ${tables!.routes.length} bindings succeeded end to end`);
    expect(failures).to.deep.equal([]);
    expect(succeeded).to.equal(265);
  });

  it('should succeed on each of the 158 RPCs over gRPC, called with the same requests encoded from wire.tsv, each answer decoding without unknown fields', async () => {
    const address = suite.server.grpcAddress;
    if (address === undefined) throw new Error('the gRPC edge did not start');
    // Each RPC once, with its first (primary) binding's request.
    const firsts = tables!.routes.filter((route, index) => tables!.routes.findIndex((other) => other.rpc === route.rpc) === index);
    expect(firsts).to.have.length(158);
    const failures: string[] = [];
    let succeeded = 0;
    for (const route of firsts) {
      let outcome: GrpcOutcome;
      try {
        const { message, headers } = await prepare(route);
        outcome = await callOverGrpc(address, registry!, route, message, headers);
        // As over REST, a read of the projected store may not see a write of a moment ago yet.
        for (const deadline = Date.now() + 5_000; !outcome.ok && (outcome.code === 'NOT_FOUND' || outcome.code === 'FAILED_PRECONDITION') && /does not exist|no User resource/.test(outcome.message) && Date.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          outcome = await callOverGrpc(address, registry!, route, message, headers);
        }
      } catch (error) {
        failures.push(`${route.rpc}: the request could not be prepared or encoded: ${(error as Error).message}`);
        continue;
      }
      if (!outcome.ok) failures.push(`${route.rpc}: ${outcome.code} ${outcome.message.slice(0, 300)}`);
      else if (outcome.unknownFields.length > 0) failures.push(`${route.rpc}: the answer has fields wire.tsv does not know: ${outcome.unknownFields.join('; ')}`);
      else succeeded += 1;
    }
    console.log(`      ${succeeded} of ${firsts.length} RPCs succeeded over gRPC`);
    expect(failures).to.deep.equal([]);
    expect(succeeded).to.equal(158);
  });

  it('should refuse a violating value of each of the 129 rules of rules.tsv with INVALID_ARGUMENT naming the field', async () => {
    expect(tables!.rules).to.have.length(129);
    const failures: string[] = [];
    let tried = 0;
    let pathBound = 0;
    for (const row of tables!.rules) {
      const names = [...new Set(tables!.fields.filter((field) => field.message.startsWith('ntt.iam.v1.')).map((field) => shortName(field.message)))];
      const target = names.find((name) => name === row.message) ?? names.find((name) => name.endsWith(`.${row.message}`));
      if (target === undefined) {
        failures.push(`${row.message}: no such message`);
        continue;
      }
      // The shortest way from a request of a non-streaming binding to the rule's message.
      let chosen: { route: RpcRouteRow; jsonPath: string[]; repeatedAt: Set<number> } | undefined;
      for (const route of tables!.routes) {
        if (route.clientStreaming) continue;
        const found = pathTo(shortName(route.input), target);
        if (found !== undefined && (chosen === undefined || found.jsonPath.length < chosen.jsonPath.length || (found.jsonPath.length === chosen.jsonPath.length && route.body !== undefined && chosen.route.body === undefined))) {
          chosen = { route, ...found };
        }
      }
      if (chosen === undefined) {
        failures.push(`${row.message}.${row.fieldJson}: no request carries it`);
        continue;
      }
      const requestType = shortName(chosen.route.input);
      const request = bindingRequest(chosen.route, requestType);
      // Walk down to the rule's message, creating it (with its own required fields) on the way.
      let node: WireRequest = request;
      let message = messageDescriptor(requestType);
      chosen.jsonPath.forEach((key, depth) => {
        const field = message.field(key)!;
        message = messageDescriptor((field.value as { messageName: string }).messageName);
        const existing = node[key];
        const created = minimalMessage(message.name);
        if (chosen.repeatedAt.has(depth)) {
          node[key] = Array.isArray(existing) && existing.length > 0 ? existing : [created];
          node = (node[key] as WireRequest[])[0] as WireRequest;
        } else {
          node[key] = existing ?? created;
          node = node[key] as WireRequest;
        }
      });
      const field = message.fields.find((candidate) => candidate.jsonName === row.fieldJson);
      if (field === undefined) {
        failures.push(`${row.message}.${row.fieldJson}: no such field`);
        continue;
      }
      // A required message whose name every binding carries in its path arrives present from the
      // path alone (grpc-gateway sets it there too): over REST that rule cannot be violated, so it
      // is tried on the decoded request instead.
      if (row.rule.kind === 'required' && chosen.jsonPath.length === 0 && templateVariables(chosen.route.path).some((variable) => variable.fieldPath.startsWith(`${field.protoName}.`))) {
        const without = Object.fromEntries(Object.entries(request).filter(([key]) => key !== field.jsonName));
        try {
          decodeMessage(requestType as MessageName, without);
          failures.push(`${row.message}.${row.fieldJson} (${row.text}): accepted when absent`);
        } catch (error) {
          expect((error as Error).message).to.include(`${field.jsonName}: required`);
        }
        pathBound += 1;
        tried += 1;
        continue;
      }
      const value = violatingValue(row.rule);
      if (value === undefined) node = Object.assign(node, { [field.jsonName]: undefined });
      else node[field.jsonName] = field.cardinality === 'repeated' && !Array.isArray(value) ? [value] : value;
      let built: GatewayRequest;
      try {
        built = gatewayRequest(chosen.route, requestType, request);
      } catch {
        // A list of messages cannot travel in a query string: the whole-body extension carries it.
        built = { ...gatewayRequest({ ...chosen.route, body: '*' }, requestType, request) };
      }
      const answer = await send(suite.server.url, suite.server.headers, built);
      tried += 1;
      const body = JSON.parse(answer.text || '{}') as { error?: { status?: string; details?: { fieldViolations?: { field: string }[] }[] } };
      const named = (body.error?.details ?? []).flatMap((detail) => detail.fieldViolations ?? []).map((violation) => violation.field);
      const ok = answer.status === 400 && body.error?.status === 'INVALID_ARGUMENT' && named.some((name) => name === row.fieldJson || name.endsWith(`.${row.fieldJson}`) || name.includes(`.${row.fieldJson}[`));
      if (!ok) failures.push(`${row.message}.${row.fieldJson} (${row.text}) via ${built.verb} ${built.target}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    console.log(`      ${tried - pathBound} rules refused over HTTP, ${pathBound} required bodies whose name the path binds refused on decoding`);
    expect(failures).to.deep.equal([]);
    expect(tried).to.equal(129);
  });
});
