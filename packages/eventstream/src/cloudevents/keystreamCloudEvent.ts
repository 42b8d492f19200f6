/**
 * The shape of every event keystream publishes: a CloudEvent (CNCF CloudEvents 1.0) whose data is
 * the resource in the API's own wire JSON. This is its JSON event format (structured mode), the
 * form the NDJSON file holds and the Kafka adapter maps onto headers (binary mode) or one JSON
 * value (structured mode). docs/eventstream.md documents every attribute.
 */
import type { JsonObject } from '@keystream/kernel';

/** The CloudEvents specification version keystream produces. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** The service the events come from, as in the API's resource type names. */
export const IAM_SERVICE = 'iam.edgelq.com';

/** Prefix of every event type: reverse-DNS of the service plus the API version. */
export const EVENT_TYPE_PREFIX = 'com.edgelq.iam.v1';

/** `datacontenttype` of every event: data is one JSON object. */
export const EVENT_DATA_CONTENT_TYPE = 'application/json';

/**
 * The keystream extension attributes. CloudEvents attribute names are lower-case ASCII letters and
 * digits only (and should stay within 20 characters), hence no separators.
 */
export const EXTENSION_POSITION = 'keystreamposition';
/** Extension attribute: the event's revision in its resource's stream (Integer). */
export const EXTENSION_REVISION = 'keystreamrevision';
/** The Partitioning extension of the CloudEvents spec; its value is the Kafka message key. */
export const EXTENSION_PARTITION_KEY = 'partitionkey';

/** One published event, in the CloudEvents JSON event format. */
export interface KeystreamCloudEvent {
  readonly specversion: typeof CLOUDEVENTS_SPEC_VERSION;
  /** The event id from the event store: unique, the deduplication key (a republished event keeps it). */
  readonly id: string;
  /** `//iam.edgelq.com` plus the scope the resource lives in (`/projects/p1`), see {@link cloudEventSourceOf}. */
  readonly source: string;
  /** Versioned, `com.edgelq.iam.v1.<resource>.<verb>`, e.g. `com.edgelq.iam.v1.group.updated`. */
  readonly type: string;
  /** The resource name, e.g. `projects/p1/groups/admins`. */
  readonly subject: string;
  /** When the change happened (RFC 3339), as recorded with the event. */
  readonly time: string;
  readonly datacontenttype: typeof EVENT_DATA_CONTENT_TYPE;
  /** The resource name again: the Kafka message key, so one resource's events stay in order. */
  readonly partitionkey: string;
  /** The event's global position in the event log (opaque; compare within one installation only). */
  readonly keystreamposition: string;
  /** The event's revision in its resource's stream, from 0; it is also `metadata.resourceVersion`. */
  readonly keystreamrevision: number;
  /** The resource after the event, in the API's wire JSON; for a deletion its final state. */
  readonly data: JsonObject;
}

/** A resource kind in an event type: `GroupMember` → `group_member` (the proto spelling). */
function typeSegmentOf(kind: string): string {
  return kind.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}

/** `cloudEventTypeOf('GroupMember', 'Updated')` → `com.edgelq.iam.v1.group_member.updated`. */
export function cloudEventTypeOf(kind: string, verb: string): string {
  return `${EVENT_TYPE_PREFIX}.${typeSegmentOf(kind)}.${verb.toLowerCase()}`;
}

/** Collections whose instances are scopes resources live in (the API's parent scopes). */
const SCOPE_COLLECTIONS = new Set(['projects', 'organizations', 'services']);

/**
 * The source of an event about resource `name`: the service plus the scope the resource lives in,
 * as a URI reference in the style of resource names across services. A project, organization or
 * service is its own scope and so is everything below it (`projects/p1/groups/g` →
 * `//iam.edgelq.com/projects/p1`); resources at the service's root (`users/u`, `roleBindings/b`,
 * `regions/r/memberAssignments/m`) come from `//iam.edgelq.com`. One source is therefore everything
 * that happens in one project (or organization), which is what a consumer usually follows.
 */
export function cloudEventSourceOf(name: string): string {
  const [collection, id] = name.split('/');
  if (collection !== undefined && id !== undefined && id !== '' && SCOPE_COLLECTIONS.has(collection)) return `//${IAM_SERVICE}/${collection}/${id}`;
  return `//${IAM_SERVICE}`;
}
