/**
 * The method table: every RPC of the reference with its request and response schemas, REST
 * bindings, required permission and kind. Built from the generated spec model; nothing here is
 * typed per method.
 */
import type { z } from 'zod';
import { EXTENSION_METHODS } from '../codegen/extensionModel.js';
import type { SpecMethod, SpecRoute } from '../codegen/specParser.js';
import { MESSAGE_SCHEMAS } from '../generated/schemas.js';
import { SPEC_MODEL, type MethodName, type ResourceKind } from '../generated/specModel.js';
import type { StreamingKind } from '../codegen/wireModel.js';
import { WIRE_MODEL } from '../generated/wireModel.js';
import { parsePathTemplate, type PathTemplate } from '../routes/pathTemplate.js';

/** Reads change nothing, writes append events, streams keep the response open. */
export type MethodKind = 'read' | 'write' | 'stream';

/** The standard methods every resource may have. */
export type StandardVerb = 'get' | 'batchGet' | 'list' | 'watch' | 'watchMany' | 'create' | 'update' | 'delete';

/**
 * Where a route's request fields come from besides the path (google.api.http):
 * `field` — the JSON body is that request field, the rest are query parameters;
 * `whole` — the JSON body is the whole request (path variables override it);
 * `query` — the binding declares no body (POST/PUT/PATCH): every other field is a query parameter;
 *   as a keystream extension a JSON body holding the whole request is accepted too;
 * `none` — query parameters only (GET and DELETE).
 */
export type BodyRule =
  | { readonly kind: 'field'; readonly fieldPath: string }
  | { readonly kind: 'whole' }
  | { readonly kind: 'query' }
  | { readonly kind: 'none' };

export interface RouteDescriptor {
  readonly httpMethod: SpecRoute['verb'];
  readonly template: PathTemplate;
  readonly body: BodyRule;
  /** The `BODY:` clause exactly as the reference writes it, if it writes one. */
  readonly declaredBody?: string;
  /**
   * True for the first binding the reference lists (the proto's main binding). Bindings the
   * reference lacks come after its own, from the upstream table.
   */
  readonly primary: boolean;
}

export interface MethodDescriptor {
  readonly name: MethodName;
  /** The resource kind whose section defines the method, or undefined for the shared methods. */
  readonly resource?: ResourceKind;
  readonly requestType: string;
  readonly responseType: string;
  readonly requestSchema: z.ZodType;
  readonly responseSchema: z.ZodType;
  /**
   * The permission the reference requires, or undefined for the two shared methods it lists none
   * for (GetPrincipal, WatchPrincipalUpdates: service-to-service calls, see docs/decisions.md).
   */
  readonly permission?: string;
  readonly routes: readonly RouteDescriptor[];
  readonly kind: MethodKind;
  readonly standard?: StandardVerb;
  /** True for a method keystream serves beyond the reference (codegen/extensionModel.ts). */
  readonly extension?: boolean;
  /**
   * How the upstream RPC streams (rpcs.tsv): `server` for the watches, `bidirectional` for Verify;
   * absent for a unary RPC. Over REST every answer of a streaming RPC is framed as grpc-gateway
   * frames a stream (`{"result": …}` lines).
   */
  readonly streaming?: StreamingKind;
}

const READ_PREFIXES = ['Get', 'BatchGet', 'List', 'Search', 'Check', 'Is'] as const;

function methodKind(name: string): MethodKind {
  if (name.startsWith('Watch')) return 'stream';
  return READ_PREFIXES.some((prefix) => name.startsWith(prefix)) ? 'read' : 'write';
}

function bodyRule(route: SpecRoute): BodyRule {
  if (route.body === '*') return { kind: 'whole' };
  if (route.body !== undefined) return { kind: 'field', fieldPath: route.body };
  // A binding without a body reads every non-path field from the query string (google.api.http);
  // GET and DELETE carry no body at all, other verbs may carry the whole request as an extension.
  return route.verb === 'GET' || route.verb === 'DELETE' ? { kind: 'none' } : { kind: 'query' };
}

function collectionOf(kind: string): { singular: string; plural: string } | undefined {
  const resource = SPEC_MODEL.resources.find((candidate) => candidate.name === kind);
  const pattern = resource?.namePatterns[0];
  if (pattern === undefined) return undefined;
  const segments = pattern.split('/');
  const collection = segments[segments.length - 2] as string;
  return { singular: kind, plural: collection.charAt(0).toUpperCase() + collection.slice(1) };
}

function standardVerb(name: string, resource: string | undefined): StandardVerb | undefined {
  if (resource === undefined) return undefined;
  const names = collectionOf(resource);
  if (names === undefined) return undefined;
  const { singular, plural } = names;
  const table: Record<string, StandardVerb> = {
    [`Get${singular}`]: 'get',
    [`BatchGet${plural}`]: 'batchGet',
    [`List${plural}`]: 'list',
    [`Watch${singular}`]: 'watch',
    [`Watch${plural}`]: 'watchMany',
    [`Create${singular}`]: 'create',
    [`Update${singular}`]: 'update',
    [`Delete${singular}`]: 'delete',
  };
  return table[name];
}

function schemaOf(messageName: string): z.ZodType {
  const schema = (MESSAGE_SCHEMAS as Readonly<Record<string, z.ZodType>>)[messageName];
  if (schema === undefined) throw new Error(`no schema for message ${messageName}`);
  return schema;
}

function describeMethod(method: SpecMethod): MethodDescriptor {
  const resource = method.section === 'shared' ? undefined : (method.section as ResourceKind);
  const standard = standardVerb(method.name, resource);
  const permission = method.permissions[0];
  return {
    name: method.name as MethodName,
    ...(resource === undefined ? {} : { resource }),
    requestType: method.requestType,
    responseType: method.responseType,
    requestSchema: schemaOf(method.requestType),
    responseSchema: schemaOf(method.responseType),
    ...(permission === undefined ? {} : { permission }),
    routes: [...method.routes, ...WIRE_MODEL.extraRoutes.filter((extra) => extra.rpc === method.name).map((extra) => extra.route)].map((route, index) => ({
      httpMethod: route.verb,
      template: parsePathTemplate(route.path),
      body: bodyRule(route),
      ...(route.body === undefined ? {} : { declaredBody: route.body }),
      primary: index === 0,
    })),
    kind: methodKind(method.name),
    ...(standard === undefined ? {} : { standard }),
    ...(WIRE_MODEL.streaming[method.name] === undefined ? {} : { streaming: WIRE_MODEL.streaming[method.name] }),
  };
}

/** Every method of the reference, in the reference's order. */
export const METHODS: readonly MethodDescriptor[] = SPEC_MODEL.methods.map(describeMethod);

/** The methods keystream serves beyond the reference (batch invitations, codes, resend). */
export const EXTENSION_METHOD_DESCRIPTORS: readonly MethodDescriptor[] = EXTENSION_METHODS.map((method) => ({ ...describeMethod(method), extension: true }));

/** Every method keystream serves: the reference's and the extensions; the route table and the OpenAPI document hold these. */
export const ALL_METHODS: readonly MethodDescriptor[] = [...METHODS, ...EXTENSION_METHOD_DESCRIPTORS];

const methodsByName = new Map<string, MethodDescriptor>(ALL_METHODS.map((method) => [method.name, method]));

/** The method named so (reference or extension); throws for a name keystream does not have. */
export function methodByName(name: string): MethodDescriptor {
  const method = methodsByName.get(name);
  if (!method) throw new Error(`unknown method ${name}`);
  return method;
}
