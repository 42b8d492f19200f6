/**
 * CloudEvents on the wire, through the CNCF `cloudevents` SDK: it checks every event against the
 * specification (required attributes, attribute names, the type system) and implements the
 * Kafka protocol binding, whose decoder consumers use too (`Kafka.toEvent`), so producer and
 * consumer agree on the mapping by construction.
 *
 * Two adjustments for kafkajs and for Kafka itself, both within the binding:
 * - binary mode: the data is serialised as JSON text; header values are strings (the binding's
 *   canonical string encoding); attributes the SDK leaves undefined, `ce_datacontenttype`
 *   (the binding maps it to `content-type`) and `ce_partitionkey` (it is the message key) are not
 *   sent as headers;
 * - the record timestamp is left to the producer (append time) instead of the event's `time`:
 *   a catch-up of old history would otherwise write records that time-based retention deletes at once.
 */
import { CloudEvent, Kafka } from 'cloudevents';
import { isObject, type JsonObject } from '@keystream/kernel';
import { EXTENSION_PARTITION_KEY, EXTENSION_REVISION, type KeystreamCloudEvent } from './keystreamCloudEvent.js';

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

/** The Kafka message of an event in the given content mode. */
export function cloudEventKafkaMessage(event: KeystreamCloudEvent, mode: CloudEventContentMode): CloudEventKafkaMessage {
  const checked = sdkEvent(event);
  if (mode === 'structured') {
    const message = Kafka.structured(checked);
    return { key: event.partitionkey, value: message.value, headers: stringHeaders(message.headers) };
  }
  const message = Kafka.binary(checked);
  return { key: event.partitionkey, value: JSON.stringify(event.data), headers: stringHeaders(message.headers) };
}

function stringHeaders(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null || OMITTED_HEADERS.has(name)) continue;
    out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** One line of the NDJSON file: the event in the CloudEvents JSON event format (structured mode). */
export function cloudEventJson(event: KeystreamCloudEvent): string {
  return sdkEvent(event).toString();
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
