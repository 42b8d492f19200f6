/**
 * An OpenAPI 3.1 description of keystream's REST surface, generated from the method table and the
 * message registry. It states the wire format (ARCHITECTURE.md §4): lowerCamelCase JSON, int64 as
 * strings, FieldMask as a comma-separated string, enums by name; path variables spanning several
 * segments (`{name=projects/*\/roles/*}`) become one path parameter per `*`.
 */
import { ALL_METHODS as METHODS, type MethodDescriptor, type RouteDescriptor } from '../methods/methodTable.js';
import {
  allEnumDescriptors,
  allMessageDescriptors,
  messageDescriptor,
  type FieldDescriptor,
  type FieldValueType,
  type MessageDescriptor,
} from '../registry/messageRegistry.js';
import type { ValidationRule } from '../codegen/upstreamTables.js';
import { SPEC_MODEL } from '../generated/specModel.js';

/** A JSON Schema / OpenAPI object. */
export type OpenApiObject = { [key: string]: unknown };

const SCHEMA_PREFIX = '#/components/schemas/';

function reference(name: string): OpenApiObject {
  return { $ref: `${SCHEMA_PREFIX}${name}` };
}

function valueSchema(type: FieldValueType): OpenApiObject {
  switch (type.kind) {
    case 'message':
      return reference(type.messageName);
    case 'enum':
      return reference(type.enumName);
    case 'scalar':
      switch (type.scalar) {
        case 'string':
          return { type: 'string' };
        case 'bool':
          return { type: 'boolean' };
        case 'int32':
          return { type: 'integer', format: 'int32' };
        case 'uint32':
          return { type: 'integer', format: 'uint32', minimum: 0 };
        case 'int64':
          return { type: 'string', format: 'int64', pattern: '^-?[0-9]+$', description: 'int64 as a decimal string (numbers are accepted on input)' };
        case 'bytes':
          return { type: 'string', contentEncoding: 'base64' };
        case 'timestamp':
          return { type: 'string', format: 'date-time' };
        case 'fieldMask':
          return { type: 'string', description: 'FieldMask: comma-separated field paths, e.g. "displayName,metadata.labels"' };
        case 'struct':
          return { type: 'object', additionalProperties: true };
        default: {
          const unreachable: never = type.scalar;
          return unreachable;
        }
      }
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/** JSON Schema keywords of the SDK's rules that constrain one value of the field. */
function valueConstraints(rules: readonly ValidationRule[]): OpenApiObject {
  const constraints: OpenApiObject = {};
  for (const rule of rules) {
    switch (rule.kind) {
      case 'maxLength':
        constraints['maxLength'] = rule.max;
        break;
      case 'range':
        constraints['minimum'] = rule.min;
        if (rule.max !== undefined) constraints['maximum'] = rule.max;
        break;
      case 'email':
        constraints['format'] = 'email';
        break;
      case 'pem':
        constraints['pattern'] = '^$|-----BEGIN [A-Z0-9 ]+-----';
        break;
      case 'oneOfValues':
        constraints['enum'] = [...rule.values];
        break;
      case 'required':
      case 'maxItems':
      case 'definedEnum':
        break;
      default: {
        const unreachable: never = rule;
        return unreachable;
      }
    }
  }
  return constraints;
}

function fieldSchema(field: FieldDescriptor): OpenApiObject {
  const plain = valueSchema(field.value);
  const constraints = valueConstraints(field.rules);
  // A $ref takes no sibling constraints in every tool; constraints only ever apply to scalars here.
  const element = Object.keys(constraints).length === 0 ? plain : { ...plain, ...constraints };
  if (field.cardinality === 'repeated') {
    const maxItems = field.rules.flatMap((rule) => (rule.kind === 'maxItems' ? [rule.max] : []));
    return { type: 'array', items: element, ...(maxItems.length === 0 ? {} : { maxItems: Math.min(...maxItems) }) };
  }
  if (field.cardinality === 'map') return { type: 'object', additionalProperties: element };
  return element;
}

/**
 * A message as a JSON Schema: its fields (with their protobuf number in `x-protobuf-number`), the
 * SDK's required fields (in requests), and each oneof group as "not two members together".
 */
function messageSchema(message: MessageDescriptor): OpenApiObject {
  const properties: OpenApiObject = {};
  for (const field of message.fields) {
    const schema = fieldSchema(field);
    const annotations = { 'x-protobuf-number': field.number, ...(field.outputOnly ? { readOnly: true } : {}) };
    properties[field.jsonName] = '$ref' in schema ? { allOf: [schema], ...annotations } : { ...schema, ...annotations };
  }
  const required = message.fields.filter((field) => field.rules.some((rule) => rule.kind === 'required')).map((field) => field.jsonName);
  const oneofs = message.oneofs.map((oneof) => {
    const names = oneof.fields.map((field) => field.jsonName);
    const pairs = names.flatMap((first, index) => names.slice(index + 1).map((second) => ({ required: [first, second] })));
    return { description: `oneof ${oneof.name}: at most one of ${names.join(', ')}`, not: { anyOf: pairs } };
  });
  return {
    type: 'object',
    title: message.name,
    'x-protobuf-name': message.protoName,
    properties,
    additionalProperties: false,
    // Not JSON Schema's `required`: the same message is also a response, which a view or field mask
    // may trim; the SDK requires these fields of what a request carries.
    ...(required.length === 0 ? {} : { 'x-keystream-required-in-requests': required }),
    ...(oneofs.length === 0 ? {} : { allOf: oneofs, 'x-protobuf-oneofs': Object.fromEntries(message.oneofs.map((oneof) => [oneof.name, oneof.fields.map((field) => field.jsonName)])) }),
  };
}

/** `{name=projects/*\/roles/*}` → `projects/{projectsId}/roles/{rolesId}`; returns the path and its parameters. */
function openApiPath(route: RouteDescriptor): { path: string; parameters: OpenApiObject[]; boundFields: Set<string> } {
  const segments: string[] = [];
  const parameters: OpenApiObject[] = [];
  const boundFields = new Set(route.template.variables.map((variable) => variable.fieldPath));
  for (const [index, segment] of route.template.segments.entries()) {
    if (segment.kind === 'literal') {
      segments.push(segment.value);
      continue;
    }
    const previous = route.template.segments[index - 1];
    const name = `${previous?.kind === 'literal' ? previous.value : `segment${index}`}Id`;
    const variable = route.template.variables.find((candidate) => index >= candidate.start && index < candidate.start + candidate.length);
    segments.push(`{${name}}`);
    parameters.push({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
      description: `Segment of request field \`${variable?.fieldPath ?? '?'}\` (pattern ${variable?.pattern ?? '*'})`,
    });
  }
  const verb = route.template.verb === undefined ? '' : `:${route.template.verb}`;
  return { path: `/${segments.join('/')}${verb}`, parameters, boundFields };
}

/** Query parameters for every request field not in the path or body: scalars, repeated scalars, nested dotted. */
function queryParameters(message: MessageDescriptor, exclude: ReadonlySet<string>, prefix = '', depth = 0): OpenApiObject[] {
  const parameters: OpenApiObject[] = [];
  for (const field of message.fields) {
    const protoPath = `${prefix}${field.protoName}`;
    if (exclude.has(protoPath)) continue;
    if (field.value.kind === 'message') {
      if (field.cardinality === 'single' && depth < 2) {
        parameters.push(...queryParameters(messageDescriptor(field.value.messageName), exclude, `${protoPath}.`, depth + 1));
      }
      continue;
    }
    if (field.cardinality === 'map') {
      // grpc-gateway's map syntax, `labels[key]=value`, is OpenAPI's deepObject style.
      if (field.value.kind !== 'scalar' || field.value.scalar === 'struct') continue;
      parameters.push({ name: protoPath, in: 'query', required: false, style: 'deepObject', explode: true, schema: fieldSchema(field) });
      continue;
    }
    const schema = fieldSchema(field);
    parameters.push({
      name: protoPath,
      in: 'query',
      required: false,
      schema,
      ...(field.cardinality === 'repeated' ? { style: 'form', explode: true } : {}),
    });
  }
  return parameters;
}

function requestBody(method: MethodDescriptor, route: RouteDescriptor): OpenApiObject | undefined {
  const request = messageDescriptor(method.requestType);
  switch (route.body.kind) {
    case 'none':
      return undefined;
    case 'whole':
      return { required: true, content: { 'application/json': { schema: reference(request.name) } } };
    case 'query':
      return {
        required: false,
        description:
          'The binding declares no body: fields travel as query parameters. As a keystream extension, a JSON body holding the whole request is accepted too (a field given both ways must agree).',
        content: { 'application/json': { schema: reference(request.name) } },
      };
    case 'field': {
      const field = request.field(route.body.fieldPath);
      if (!field) throw new Error(`${method.name}: body field ${route.body.fieldPath} is not in ${request.name}`);
      return { required: true, content: { 'application/json': { schema: fieldSchema(field) } } };
    }
    default: {
      const unreachable: never = route.body;
      return unreachable;
    }
  }
}

function operation(method: MethodDescriptor, route: RouteDescriptor, index: number): { path: string; operation: OpenApiObject } {
  const { path, parameters, boundFields } = openApiPath(route);
  const request = messageDescriptor(method.requestType);
  const exclude = new Set(boundFields);
  if (route.body.kind === 'field') exclude.add(route.body.fieldPath);
  const query = route.body.kind === 'whole' ? [] : queryParameters(request, exclude);
  const body = requestBody(method, route);
  // Verify streams upstream too (bidirectionally): over REST each call answers one framed line.
  const streamed = method.streaming !== undefined;
  const responseContent =
    streamed
      ? {
          'application/x-ndjson': {
            schema: {
              type: 'object',
              description: 'One line of the stream',
              properties: {
                result: reference(method.responseType),
                error: {
                  type: 'object',
                  description: 'google.rpc.Status',
                  properties: { code: { type: 'integer', description: 'gRPC code' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'object' } } },
                },
              },
              additionalProperties: false,
            },
          },
        }
      : { 'application/json': { schema: reference(method.responseType) } };
  return {
    path,
    operation: {
      operationId: index === 0 ? method.name : `${method.name}_${index}`,
      tags: [method.resource ?? 'Shared'],
      summary: `${method.name} (${method.kind})`,
      ...(method.permission === undefined ? {} : { 'x-keystream-permission': method.permission }),
      parameters: [...parameters, ...query],
      ...(body === undefined ? {} : { requestBody: body }),
      responses: {
        '200': {
          description:
            method.kind !== 'stream' && streamed
              ? 'The stream\'s next response, as one line framed as grpc-gateway frames a stream: {"result": <response>} (one line per call: the exchange continues with the next call)'
              : streamed
              ? 'A stream of responses, one line each framed as grpc-gateway frames them: {"result": <response>}; an error that ends the stream is a last line {"error": <google.rpc.Status>}'
              : 'Success',
          headers: IGNORED_FIELDS_HEADER,
          content: responseContent,
        },
        default: { description: 'Error', content: { 'application/json': { schema: reference('keystream.Error') } } },
      },
    },
  };
}

/** The header naming request fields the contract does not have, which keystream ignored. */
const IGNORED_FIELDS_HEADER: OpenApiObject = {
  'x-keystream-ignored-fields': {
    description: 'Query parameters and JSON members of the request that no field has, ignored (as grpc-gateway ignores them), comma-separated',
    schema: { type: 'string' },
  },
};

const ERROR_SCHEMA: OpenApiObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'status', 'message'],
      properties: {
        code: { type: 'integer', description: 'HTTP status code' },
        status: { type: 'string', description: 'gRPC canonical status name, e.g. INVALID_ARGUMENT' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  },
};

/** Builds the whole OpenAPI 3.1 document. Throws if two operations claim the same path and verb. */
export function buildOpenApiDocument(): OpenApiObject {
  const schemas: OpenApiObject = { 'keystream.Error': ERROR_SCHEMA };
  for (const message of allMessageDescriptors()) schemas[message.name] = messageSchema(message);
  for (const specEnum of allEnumDescriptors()) schemas[specEnum.name] = { type: 'string', title: specEnum.name, enum: [...specEnum.values] };

  const paths: Record<string, Record<string, OpenApiObject>> = {};
  for (const method of METHODS) {
    method.routes.forEach((route, index) => {
      const built = operation(method, route, index);
      const item = (paths[built.path] ??= {});
      const verb = route.httpMethod.toLowerCase();
      if (item[verb] !== undefined) throw new Error(`${route.httpMethod} ${built.path} is claimed twice (${method.name})`);
      item[verb] = built.operation;
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `keystream — ${SPEC_MODEL.service} ${SPEC_MODEL.version}`,
      version: SPEC_MODEL.version,
      description: `REST API of keystream, implementing ${SPEC_MODEL.protoPackage}. Generated from the contract; do not edit.`,
    },
    tags: [...new Set(METHODS.map((method) => method.resource ?? 'Shared'))].map((name) => ({ name })),
    paths,
    components: { schemas },
  };
}
