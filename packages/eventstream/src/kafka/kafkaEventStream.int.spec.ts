import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_SKIP_REASON, describeEventStreamContract, kafkaHarness, sampleCloudEvent, testKafkaBrokers } from '../testing/index.js';
import { connectKafkaEventStream } from './kafkaEventStream.js';

const brokers = testKafkaBrokers();

if (brokers === undefined) {
  it.skip(`Kafka EventStream contract ${KAFKA_SKIP_REASON}`);
} else {
  describeEventStreamContract(`Kafka, binary content mode (${brokers.join(',')})`, () => kafkaHarness(brokers));
  describeEventStreamContract(`Kafka, structured content mode (${brokers.join(',')})`, () => kafkaHarness(brokers, 'structured'));

  describe('connectKafkaEventStream on a real broker', function () {
    this.timeout(60_000);

    describe('having the default (binary) content mode', () => {
      it('should send the attributes as ce_* headers, content-type application/json and the data alone as the value', async () => {
        const harness = await kafkaHarness(brokers);
        try {
          const event = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 4);
          await harness.stream.publish([event]);
          const [message] = await harness.received(1);
          expect(message?.headers).to.deep.equal({
            'content-type': 'application/json',
            ce_specversion: '1.0',
            ce_id: event.id,
            ce_source: event.source,
            ce_type: 'com.edgelq.iam.v1.project.updated',
            ce_subject: event.subject,
            ce_time: event.time,
            ce_keystreamposition: event.keystreamposition,
            ce_keystreamrevision: '4',
          });
          expect(message?.key).to.equal(event.subject);
        } finally {
          await harness.dispose();
        }
      });
    });

    describe('having the structured content mode', () => {
      it('should send the whole event as application/cloudevents+json', async () => {
        const harness = await kafkaHarness(brokers, 'structured');
        try {
          const event = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
          await harness.stream.publish([event]);
          const [message] = await harness.received(1);
          expect(message?.headers).to.deep.equal({ 'content-type': 'application/cloudevents+json; charset=utf-8' });
          expect(message?.event).to.deep.equal(event);
        } finally {
          await harness.dispose();
        }
      });
    });

    describe('having partitions and replication configured', () => {
      it('should create the topic with them', async () => {
        const topic = `keystream-test-${randomUUID()}`;
        const stream = await connectKafkaEventStream({ brokers, topic, createTopic: { numPartitions: 5, replicationFactor: 1 } });
        const admin = new Kafka({ clientId: 'keystream-test-admin', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
        try {
          await admin.connect();
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = metadata.topics[0]?.partitions ?? [];
          expect(partitions).to.have.length(5);
          expect(partitions.every((partition) => partition.replicas.length === 1)).to.equal(true);
        } finally {
          await admin.disconnect();
          await stream.close();
        }
      });

      it('should refuse a replication factor the cluster cannot give, naming the topic', async () => {
        const error = await connectKafkaEventStream({ brokers, topic: `keystream-test-${randomUUID()}`, createTopic: { numPartitions: 1, replicationFactor: 3 } }).then(
          async (stream) => {
            await stream.close();
            return undefined;
          },
          (caught: unknown) => caught,
        );
        expect(error).to.have.property('code', 'UNAVAILABLE');
        expect((error as Error).message).to.contain('cannot create topic');
      });
    });
  });
}

describe('connectKafkaEventStream', () => {
  describe('having no broker at the address', () => {
    it('should reject with UNAVAILABLE naming the brokers', async function () {
      this.timeout(30_000);
      const error = await connectKafkaEventStream({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500, createTopic: false }).then(
        async (stream) => {
          await stream.close();
          return undefined;
        },
        (caught: unknown) => caught,
      );
      expect(error).to.have.property('code', 'UNAVAILABLE');
      expect((error as Error).message).to.contain('127.0.0.1:1');
    });
  });
});
