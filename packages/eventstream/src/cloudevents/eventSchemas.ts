/**
 * One JSON Schema (draft 2020-12) per event type, generated from the contract: the CloudEvents
 * attributes keystream sets, and `data` as the resource's wire JSON. The resource part is taken
 * from the same component schemas as docs/openapi.json (the API's own description of its wire
 * JSON), so the events and REST can never describe a resource differently. Written to
 * docs/events/ by `npm run event-schemas` and checked current by a test.
 */
import { RESOURCES, buildOpenApiDocument, type OpenApiObject, type ResourceDescriptor } from '@keystream/api';
import { DELETED_LIFECYCLE_STATE } from './resourceCloudEvent.js';
import {
  CLOUDEVENTS_SPEC_VERSION,
  EVENT_DATA_CONTENT_TYPE,
  EXTENSION_PARTITION_KEY,
  EXTENSION_POSITION,
  EXTENSION_REVISION,
  IAM_SERVICE,
  cloudEventTypeOf,
} from './keystreamCloudEvent.js';

/** The verbs of the resource lifecycle, each an event type per resource kind. */
export const EVENT_VERBS = ['Created', 'Updated', 'Deleted'] as const;

/** Verbs of a kind's own life cycle beyond the standard one (docs/invitations.md): the resource after the change, like Updated. */
const LIFECYCLE_VERBS: Readonly<Partial<Record<string, readonly string[]>>> = {
  ProjectInvitation: ['Accepted', 'Declined', 'Expired', 'Resent'],
  OrganizationInvitation: ['Accepted', 'Declined', 'Expired', 'Resent'],
};

/** Every event verb of a resource kind: the standard three and its own. */
export function eventVerbsOf(kind: string): readonly string[] {
  return [...EVENT_VERBS, ...(LIFECYCLE_VERBS[kind] ?? [])];
}

/** A JSON Schema document. */
export type JsonSchema = OpenApiObject;

const COMPONENT_PREFIX = '#/components/schemas/';
const DEFS_PREFIX = '#/$defs/';

/** Every component a schema refers to, transitively. */
function referencedComponents(root: string, components: Readonly<Record<string, unknown>>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === '$ref' && typeof inner === 'string' && inner.startsWith(COMPONENT_PREFIX)) {
          const name = inner.slice(COMPONENT_PREFIX.length);
          if (!found.has(name)) {
            found.add(name);
            visit(components[name]);
          }
        } else {
          visit(inner);
        }
      }
    }
  };
  found.add(root);
  visit(components[root]);
  return [...found].sort();
}

/** A component schema with its references pointing into the event schema's `$defs`. */
function relocated(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relocated);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof inner === 'string' && inner.startsWith(COMPONENT_PREFIX) ? `${DEFS_PREFIX}${inner.slice(COMPONENT_PREFIX.length)}` : relocated(inner);
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The resource names of a kind as one anchored pattern: each `{id}` is one non-empty segment. */
function namePattern(resource: ResourceDescriptor): string {
  const alternatives = resource.namePatterns.map((pattern) => pattern.segments.map((segment) => `${escapeRegExp(segment.collection)}/[^/]+`).join('/'));
  return `^(?:${alternatives.join('|')})$`;
}

/** What the lifecycle of the published state must say after a verb. */
function lifecycleConstraint(verb: string): JsonSchema {
  const deleted = verb === 'Deleted';
  return {
    type: 'object',
    required: ['createTime', 'updateTime', 'uuid', 'generation', 'resourceVersion', 'lifecycle', ...(deleted ? ['deleteTime'] : [])],
    properties: {
      lifecycle: {
        type: 'object',
        required: ['state'],
        properties: { state: { const: deleted ? DELETED_LIFECYCLE_STATE : 'ACTIVE' } },
      },
    },
  };
}

function eventSchema(resource: ResourceDescriptor, verb: string, components: Readonly<Record<string, unknown>>): JsonSchema {
  const type = cloudEventTypeOf(resource.kind, verb);
  const name = { type: 'string', pattern: namePattern(resource) };
  const $defs: Record<string, unknown> = {};
  for (const component of referencedComponents(resource.kind, components)) $defs[component] = relocated(components[component]);
  const description =
    verb === 'Deleted'
      ? `A ${resource.kind} was deleted. data is its final state in the API's wire JSON, with metadata.lifecycle.state ${DELETED_LIFECYCLE_STATE} and metadata.deleteTime set.`
      : `A ${resource.kind} was ${verb.toLowerCase()}. data is the resource after the change, in the API's wire JSON (as REST Get answers it).`;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: type,
    description: `${description} The event in the CloudEvents JSON format; in Kafka binary mode the attributes are ce_* headers and data is the message value.`,
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', EXTENSION_PARTITION_KEY, EXTENSION_POSITION, EXTENSION_REVISION, 'data'],
    properties: {
      specversion: { const: CLOUDEVENTS_SPEC_VERSION },
      id: { type: 'string', minLength: 1, description: 'The event id: unique; a republished event keeps it (deduplicate by it).' },
      source: {
        type: 'string',
        pattern: `^//${escapeRegExp(IAM_SERVICE)}(?:/(?:projects|organizations|services)/[^/]+)?$`,
        description: 'The service and the scope the resource lives in.',
      },
      type: { const: type },
      subject: { ...name, description: 'The resource name.' },
      time: { type: 'string', format: 'date-time', description: 'When the change happened.' },
      datacontenttype: { const: EVENT_DATA_CONTENT_TYPE },
      [EXTENSION_PARTITION_KEY]: { ...name, description: 'The resource name: the Kafka message key.' },
      [EXTENSION_POSITION]: { type: 'string', minLength: 1, description: 'Position of the event in the event log (opaque).' },
      [EXTENSION_REVISION]: { type: 'integer', minimum: 0, description: "Revision of the event in the resource's stream; equals data.metadata.resourceVersion." },
      data: {
        allOf: [
          { $ref: `${DEFS_PREFIX}${resource.kind}` },
          { type: 'object', required: ['name', 'metadata'], properties: { name, metadata: lifecycleConstraint(verb) } },
        ],
      },
    },
    additionalProperties: false,
    $defs,
  };
}

/** Every event type's schema, keyed by the type, in contract order. */
export function buildEventSchemas(): Map<string, JsonSchema> {
  const document = buildOpenApiDocument();
  const components = (document['components'] as { schemas: Record<string, unknown> }).schemas;
  const schemas = new Map<string, JsonSchema>();
  for (const resource of RESOURCES) {
    for (const verb of eventVerbsOf(resource.kind)) schemas.set(cloudEventTypeOf(resource.kind, verb), eventSchema(resource, verb, components));
  }
  return schemas;
}
