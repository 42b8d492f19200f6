/**
 * @keystream/eventstream/testing — the EventStream contract suite and the harnesses that run it
 * against each adapter. Test-only: not part of the package's main entry.
 */
export { describeEventStreamContract, sampleCloudEvent } from './eventStreamContract.js';
export { eventSchemaValidator } from './eventSchemaValidator.js';
export type { EventSchemaValidator } from './eventSchemaValidator.js';
export { pollReceived } from './eventStreamHarness.js';
export type { EventStreamHarness, EventStreamHarnessFactory, ReceivedMessage } from './eventStreamHarness.js';
export { ndjsonHarness } from './ndjsonHarness.js';
export { KAFKA_SKIP_REASON, kafkaHarness, testKafkaBrokers } from './kafkaHarness.js';
export { readKafkaTopic } from './kafkaTopicReader.js';
export type { KafkaTopicReader } from './kafkaTopicReader.js';
