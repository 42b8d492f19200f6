/**
 * Builds the CloudEvent of one resource event. The data goes through the API's wire codec, so an
 * event's data is byte for byte what REST Get and watches answer for the same resource state:
 * lowerCamelCase names, int64 as decimal strings, enums by name, FieldMasks as strings.
 */
import { encodeMessage, isResourceKind, resourceByKind, type MessageName } from '@keystream/api';
import { isObject, type JsonObject } from '@keystream/kernel';
import {
  CLOUDEVENTS_SPEC_VERSION,
  EVENT_DATA_CONTENT_TYPE,
  cloudEventSourceOf,
  cloudEventTypeOf,
  type KeystreamCloudEvent,
} from './keystreamCloudEvent.js';

/** The lifecycle state a deleted resource's final state carries (goten.types.Lifecycle.State has no DELETED). */
export const DELETED_LIFECYCLE_STATE = 'DELETING';

/** What {@link resourceCloudEvent} needs of a recorded event about a resource. */
export interface ResourceEventInput {
  readonly id: string;
  /** A resource kind of the contract, e.g. `Group`. */
  readonly kind: string;
  /** The past-tense verb, e.g. `Created`, `Updated`, `Deleted`. */
  readonly verb: string;
  /** The resource name. */
  readonly name: string;
  /** The resource after the event (for a deletion: as it was), in keystream's internal form. */
  readonly resource: JsonObject;
  readonly position: string;
  readonly revision: number;
  /** When the event was recorded (RFC 3339). */
  readonly time: string;
}

/**
 * The final state of a deleted resource: lifecycle DELETING and a delete time. Events recorded
 * before deletions carried this still say ACTIVE; the published state never does.
 */
function deletedState(resource: JsonObject, time: string): JsonObject {
  const metadata = isObject<JsonObject>(resource['metadata']) ? resource['metadata'] : {};
  const lifecycle = isObject<JsonObject>(metadata['lifecycle']) ? metadata['lifecycle'] : {};
  return {
    ...resource,
    metadata: { ...metadata, deleteTime: metadata['deleteTime'] ?? time, lifecycle: { ...lifecycle, state: DELETED_LIFECYCLE_STATE } },
  };
}

/** The CloudEvent of a resource event. Throws for a kind the contract does not have. */
export function resourceCloudEvent(input: ResourceEventInput): KeystreamCloudEvent {
  if (!isResourceKind(input.kind)) throw new Error(`unknown resource kind ${input.kind}: not a resource of the contract`);
  const descriptor = resourceByKind(input.kind);
  const state = input.verb === 'Deleted' ? deletedState(input.resource, input.time) : input.resource;
  return {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: input.id,
    source: cloudEventSourceOf(input.name),
    type: cloudEventTypeOf(descriptor.kind, input.verb),
    subject: input.name,
    time: new Date(input.time).toISOString(),
    datacontenttype: EVENT_DATA_CONTENT_TYPE,
    partitionkey: input.name,
    keystreamposition: input.position,
    keystreamrevision: input.revision,
    data: encodeMessage(descriptor.kind as MessageName, state as never),
  };
}
