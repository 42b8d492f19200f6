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

function fieldSchema(field: FieldDescriptor): OpenApiObject {
  const element = valueSchema(field.value);
  if (field.cardinality === 'repeated') return { type: 'array', items: element };
  if (field.cardinality === 'map') return { type: 'object', additionalProperties: element };
  return element;
}

function messageSchema(message: MessageDescriptor): OpenApiObject {
  const properties: OpenApiObject = {};
  for (const field of message.fields) properties[field.jsonName] = fieldSchema(field);
  return { type: 'object', title: message.name, properties, additionalProperties: false };
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
    if (field.cardinality === 'map') continue;
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
  const responseContent =
    method.kind === 'stream'
      ? { 'application/x-ndjson': { schema: reference(method.responseType) } }
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
          description: method.kind === 'stream' ? 'A stream of responses, one JSON object per line' : 'Success',
          content: responseContent,
        },
        default: { description: 'Error', content: { 'application/json': { schema: reference('keystream.Error') } } },
      },
    },
  };
}

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
