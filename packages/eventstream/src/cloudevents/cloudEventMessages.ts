/**
 * CloudEvents on the wire, by the CNCF `cloudevents` SDK's rules: its Kafka protocol binding is the
 * reference of the mapping and its decoder is what consumers use (`Kafka.toEvent`). Publishing
 * builds the messages directly (the SDK's event objects cost more than the rest of the relay put
 * together); cloudEventMessages.spec.ts pins every message to the SDK's, byte for byte, and every
 * refusal to the SDK's, so producer and consumer still agree by construction.
 *
 * Two adjustments for kafkajs and for Kafka itself, both within the binding:
 * - binary mode: the data is serialised as JSON text; header values are strings (the binding's
 *   canonical string encoding); attributes the SDK leaves undefined, `ce_datacontenttype`
 *   (the binding maps it to `content-type`) and `ce_partitionkey` (it is the message key) are not
 *   sent as headers;
 * - the record timestamp is left to the producer (append time) instead of the event's `time`:
 *   a catch-up of old history would otherwise write records that time-based retention deletes at once.
 */
import { CloudEvent, Kafka, ValidationError } from 'cloudevents';
import { isObject, type JsonObject } from '@keystream/kernel';
import { EXTENSION_PARTITION_KEY, EXTENSION_POSITION, EXTENSION_REVISION, type KeystreamCloudEvent } from './keystreamCloudEvent.js';

/** How events are laid out in Kafka messages (the CloudEvents Kafka binding's content modes). */
export type CloudEventContentMode = 'binary' | 'structured';

/** A Kafka message as kafkajs sends it (string key, value and headers). */
export interface CloudEventKafkaMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** SDK headers not sent: `datacontenttype` travels as `content-type`, `partitionkey` as the message key. */
const OMITTED_HEADERS = new Set(['ce_datacontenttype', `ce_${EXTENSION_PARTITION_KEY}`]);

/** The SDK's event; throws its ValidationError when the event breaks the CloudEvents spec. */
function sdkEvent(event: KeystreamCloudEvent): CloudEvent<JsonObject> {
  return new CloudEvent<JsonObject>({ ...event }, true);
}

/** RFC 3339 date-time, as the CloudEvents JSON schema's `date-time` format requires of `time`. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;
/** A URI reference has no spaces, controls or the characters RFC 3986 excludes. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what a URI must not hold
const URI_REFERENCE = /^[^\s\u0000-\u001f\u007f<>"{}|\\^`]+$/;

function invalid(event: KeystreamCloudEvent, why: string): never {
  throw new ValidationError(`invalid CloudEvent ${event.id}: ${why}`);
}

/**
 * The checks the SDK's strict constructor makes, for the attributes keystream sends: required
 * context attributes present and non-empty, `source` a URI reference, `time` RFC 3339, the
 * extension values of the CloudEvents type system. Publishing runs this once per event instead of
 * building the SDK's event (a third of the relay's time at catch-up rates); a test pins the
 * output to the SDK's, byte for byte, and its refusals to the SDK's.
 */
function checkEvent(event: KeystreamCloudEvent): void {
  for (const name of ['id', 'type', 'source', 'subject', 'partitionkey', 'keystreamposition'] as const) {
    const value: unknown = event[name];
    if (typeof value !== 'string' || value === '') invalid(event, `${name} must be a non-empty string`);
  }
  // The type says so; events reach here from JSON and from tests too, so it is checked anyway.
  if ((event.specversion as string) !== '1.0') invalid(event, 'specversion must be 1.0');
  if ((event.datacontenttype as string) !== 'application/json') invalid(event, 'datacontenttype must be application/json');
  if (!URI_REFERENCE.test(event.source)) invalid(event, `source ${event.source} is not a URI reference`);
  if (typeof event.time !== 'string' || !RFC3339.test(event.time) || Number.isNaN(Date.parse(event.time))) invalid(event, `time ${event.time} is not an RFC 3339 timestamp`);
  if (!Number.isInteger(event.keystreamrevision)) invalid(event, 'keystreamrevision must be an Integer');
  if (!isObject(event.data)) invalid(event, 'data must be a JSON object');
}

/**
 * The Kafka message of an event in the given content mode: what the SDK's Kafka binding makes of
 * it (same headers in the same order, same value), built directly.
 */
export function cloudEventKafkaMessage(event: KeystreamCloudEvent, mode: CloudEventContentMode): CloudEventKafkaMessage {
  checkEvent(event);
  const time = new Date(event.time).toISOString();
  if (mode === 'structured') return { key: event.partitionkey, value: structuredJson(event, time), headers: STRUCTURED_HEADERS };
  return {
    key: event.partitionkey,
    value: JSON.stringify(event.data),
    headers: {
      'content-type': event.datacontenttype,
      ce_id: event.id,
      ce_time: time,
      ce_type: event.type,
      ce_source: event.source,
      ce_specversion: event.specversion,
      ce_subject: event.subject,
      [`ce_${EXTENSION_POSITION}`]: event.keystreamposition,
      [`ce_${EXTENSION_REVISION}`]: String(event.keystreamrevision),
    },
  };
}

/** The structured mode's one header (the binding's content type for the JSON event format). */
const STRUCTURED_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/cloudevents+json; charset=utf-8' });

/** The JSON event format, attributes in the SDK's order (context attributes, data, extensions). */
function structuredJson(event: KeystreamCloudEvent, time: string): string {
  return JSON.stringify({
    id: event.id,
    time,
    type: event.type,
    source: event.source,
    specversion: event.specversion,
    datacontenttype: event.datacontenttype,
    subject: event.subject,
    data: event.data,
    [EXTENSION_PARTITION_KEY]: event.partitionkey,
    [EXTENSION_POSITION]: event.keystreamposition,
    [EXTENSION_REVISION]: event.keystreamrevision,
  });
}

/** One line of the NDJSON file: the event in the CloudEvents JSON event format (structured mode). */
export function cloudEventJson(event: KeystreamCloudEvent): string {
  checkEvent(event);
  return structuredJson(event, new Date(event.time).toISOString());
}

/** The SDK's Kafka message of an event (binding reference for tests; the relay uses {@link cloudEventKafkaMessage}). */
export function sdkCloudEventKafkaMessage(event: KeystreamCloudEvent, mode: CloudEventContentMode): CloudEventKafkaMessage {
  const checked = sdkEvent(event);
  if (mode === 'structured') {
    const message = Kafka.structured(checked);
    return { key: event.partitionkey, value: message.value, headers: stringHeaders(message.headers) };
  }
  const message = Kafka.binary(checked);
  return { key: event.partitionkey, value: JSON.stringify(event.data), headers: stringHeaders(message.headers) };
}

/** The SDK's JSON event format of an event (reference for tests). */
export function sdkCloudEventJson(event: KeystreamCloudEvent): string {
  return sdkEvent(event).toString();
}

function stringHeaders(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null || OMITTED_HEADERS.has(name)) continue;
    out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Decodes a Kafka message (either content mode) with the SDK's Kafka binding, into the JSON event
 * format. Binary mode carries every attribute as a string; the Integer extension is turned back
 * into a number so the result reads like the structured form.
 */
export function cloudEventOfKafkaMessage(message: { readonly key: string | Buffer | null; readonly headers: Readonly<Record<string, string>>; readonly value: string | Buffer | null }): KeystreamCloudEvent {
  const key = typeof message.key === 'string' ? message.key : (message.key?.toString('utf8') ?? '');
  const value = typeof message.value === 'string' ? message.value : (message.value?.toString('utf8') ?? '');
  // The binding reads `key` and `value` of a Kafka message beyond the generic message's fields.
  const decoded = Kafka.toEvent({ key, headers: { ...message.headers }, value, body: value } as Parameters<typeof Kafka.toEvent>[0]);
  const event = Array.isArray(decoded) ? decoded[0] : decoded;
  const json = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const revision = json[EXTENSION_REVISION];
  if (typeof revision === 'string' && /^-?\d+$/.test(revision)) json[EXTENSION_REVISION] = Number(revision);
  if (!isObject(json['data'])) throw new Error(`the message of ${String(json['id'])} holds no JSON object as data`);
  return json as unknown as KeystreamCloudEvent;
}
