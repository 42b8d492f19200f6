/**
 * What goes onto the outbound event stream for one domain event. It is the stored event plus where
 * it sits (stream, revision, global position) and the resource it is about (kind, name), so a
 * consumer needs nothing else to apply it, order it or deduplicate it.
 */
import type { JsonObject } from '@keystream/kernel';

/** The event's metadata as stored (actor, request, correlation and causation ids, occurredAt, schema). */
export type EnvelopeMetadata = { readonly [key: string]: unknown };

/** One domain event as published. Consumers deduplicate by {@link EventEnvelope.id}. */
export interface EventEnvelope {
  /** The event id, unique in the event store: the deduplication key. */
  readonly id: string;
  /** `<Kind><PastTenseVerb>`, e.g. `ProjectCreated`. */
  readonly type: string;
  /** The event-store stream, `<Kind>-<resource name>`. */
  readonly stream: string;
  /** The resource kind, or null for an event of a stream that is not a resource stream. */
  readonly kind: string | null;
  /** The resource name (the stream name when `kind` is null): the message key, so per-resource order holds. */
  readonly name: string;
  /** The global position in `$all` (opaque; compare within one event store only). */
  readonly position: string;
  /** The revision of the event in its stream (0-based). */
  readonly revision: number;
  readonly data: JsonObject;
  readonly metadata: EnvelopeMetadata;
}

/** Message header naming the event id (the deduplication key), as a UTF-8 string. */
export const EVENT_ID_HEADER = 'keystream-event-id';
/** Message header naming the event type. */
export const EVENT_TYPE_HEADER = 'keystream-event-type';
/** Message header carrying the global position. */
export const EVENT_POSITION_HEADER = 'keystream-position';

/** The partitioning key of an envelope: the resource name, so one resource's events stay in order. */
export function messageKeyOf(envelope: EventEnvelope): string {
  return envelope.name;
}

/** The headers every adapter attaches (where the transport has headers). */
export function messageHeadersOf(envelope: EventEnvelope): Readonly<Record<string, string>> {
  return { [EVENT_ID_HEADER]: envelope.id, [EVENT_TYPE_HEADER]: envelope.type, [EVENT_POSITION_HEADER]: envelope.position };
}
