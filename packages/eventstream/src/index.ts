/**
 * @keystream/eventstream — the EventStream port (outbound domain events as CloudEvents), its Kafka
 * adapter (kafkajs) and its NDJSON file adapter, the mapping of resource events to CloudEvents and
 * the event schemas generated from the contract. The contract suite is `@keystream/eventstream/testing`.
 */
export type { EventStream } from './eventStream.js';
export {
  CLOUDEVENTS_SPEC_VERSION,
  EVENT_DATA_CONTENT_TYPE,
  EVENT_TYPE_PREFIX,
  EXTENSION_PARTITION_KEY,
  EXTENSION_POSITION,
  EXTENSION_REVISION,
  IAM_SERVICE,
  cloudEventSourceOf,
  cloudEventTypeOf,
} from './cloudevents/keystreamCloudEvent.js';
export type { KeystreamCloudEvent } from './cloudevents/keystreamCloudEvent.js';
export { DELETED_LIFECYCLE_STATE, resourceCloudEvent } from './cloudevents/resourceCloudEvent.js';
export type { ResourceEventInput } from './cloudevents/resourceCloudEvent.js';
export { cloudEventJson, cloudEventKafkaMessage, cloudEventOfKafkaMessage } from './cloudevents/cloudEventMessages.js';
export type { CloudEventContentMode, CloudEventKafkaMessage } from './cloudevents/cloudEventMessages.js';
export { EVENT_VERBS, buildEventSchemas, eventVerbsOf } from './cloudevents/eventSchemas.js';
export type { JsonSchema } from './cloudevents/eventSchemas.js';
// The Kafka adapter is loaded on use (loadKafkaEventStream.ts).
export { loadKafkaEventStream } from './kafka/loadKafkaEventStream.js';
export { DEFAULT_KAFKA_TOPIC, produceRequestSlices } from './kafka/produceRequests.js';
export type { KafkaEventStreamOptions } from './kafka/kafkaEventStream.js';
export { openNdjsonFileEventStream } from './ndjson/ndjsonFileEventStream.js';
export type { NdjsonFileEventStreamOptions } from './ndjson/ndjsonFileEventStream.js';
export { readNdjsonEvents } from './ndjson/readNdjsonEvents.js';
