/**
 * @keystream/eventstream — the EventStream port (outbound domain events), its Kafka adapter
 * (kafkajs) and its NDJSON file adapter. The contract suite is `@keystream/eventstream/testing`.
 */
export type { EventStream } from './eventStream.js';
export { EVENT_ID_HEADER, EVENT_POSITION_HEADER, EVENT_TYPE_HEADER, messageHeadersOf, messageKeyOf } from './eventEnvelope.js';
export type { EnvelopeMetadata, EventEnvelope } from './eventEnvelope.js';
export { DEFAULT_KAFKA_TOPIC, connectKafkaEventStream } from './kafka/kafkaEventStream.js';
export type { KafkaEventStreamOptions } from './kafka/kafkaEventStream.js';
export { openNdjsonFileEventStream } from './ndjson/ndjsonFileEventStream.js';
export type { NdjsonFileEventStreamOptions } from './ndjson/ndjsonFileEventStream.js';
export { readNdjsonEvents } from './ndjson/readNdjsonEvents.js';
