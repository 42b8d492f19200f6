import { expect } from 'chai';
import { KAFKA_SKIP_REASON, describeEventStreamContract, kafkaHarness, testKafkaBrokers } from '../testing/index.js';
import { connectKafkaEventStream } from './kafkaEventStream.js';

const brokers = testKafkaBrokers();

if (brokers === undefined) {
  it.skip(`Kafka EventStream contract ${KAFKA_SKIP_REASON}`);
} else {
  describeEventStreamContract(`Kafka (${brokers.join(',')})`, () => kafkaHarness(brokers));
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
