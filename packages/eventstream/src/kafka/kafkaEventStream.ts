/**
 * The Kafka adapter (kafkajs). One producer per stream, idempotent with `acks: -1` and one request
 * in flight, so within a partition the broker keeps publish order and drops the producer's own
 * retried duplicates. Messages are keyed by resource name through the Java-compatible partitioner,
 * so every resource's events land in one partition in order (and Java consumers agree on where).
 * Each message is one CloudEvent, by the CloudEvents Kafka protocol binding: binary content mode
 * (`ce_*` headers, data as the value) by default, structured mode (the JSON event as the value) on request.
 */
import { KeystreamError } from '@keystream/api';
import { Kafka, Partitioners, logLevel, type LogEntry, type Message, type Producer, type logCreator } from 'kafkajs';
import { cloudEventKafkaMessage, type CloudEventContentMode } from '../cloudevents/cloudEventMessages.js';
import type { KeystreamCloudEvent } from '../cloudevents/keystreamCloudEvent.js';
import type { EventStream } from '../eventStream.js';
import type { Logger } from '@keystream/kernel';
import { DEFAULT_KAFKA_TOPIC, produceRequestSlices } from './produceRequests.js';



/** Options of {@link connectKafkaEventStream}. */
export interface KafkaEventStreamOptions {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The topic (default {@link DEFAULT_KAFKA_TOPIC}). */
  readonly topic?: string;
  readonly clientId?: string;
  /**
   * Create the topic at connect if it is missing (default true). Partitions and replication
   * default to the broker's settings. Turn off where topics are provisioned by other means.
   */
  readonly createTopic?: boolean | { readonly numPartitions?: number; readonly replicationFactor?: number };
  /** The CloudEvents content mode (default `binary`: attributes as `ce_*` headers, data as the value). */
  readonly contentMode?: CloudEventContentMode;
  /** How long to wait for a connection, ms (default 10 000). */
  readonly connectionTimeoutMs?: number;
  /** How long the broker may take to acknowledge a produce request, ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** Where the adapter reports the client's own warnings and errors (a pino logger fits). */
  readonly logger?: Pick<Logger, 'warn' | 'error'>;
}

function logCreatorFor(logger: Pick<Logger, 'warn' | 'error'> | undefined): logCreator {
  return () =>
    ({ level, label, log }: LogEntry) => {
      if (logger === undefined) return;
      const { message, ...fields } = log;
      // Bounded retries are deliberate (see producerOrConnect): the relay republishes and
      // consumers deduplicate, so this warning at every producer start would only be noise.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const text = `kafkajs ${label}: ${message}`;
      if (level === logLevel.ERROR) logger.error(fields, text);
      else logger.warn(fields, text);
    };
}

function toMessage(event: KeystreamCloudEvent, mode: CloudEventContentMode): Message {
  let message;
  try {
    message = cloudEventKafkaMessage(event, mode);
  } catch (error) {
    throw new KeystreamError('INVALID_ARGUMENT', `event ${event.id} (${event.type}) is not a valid CloudEvent: ${(error as Error).message}`, [], { cause: error });
  }
  return { key: message.key, value: message.value, headers: message.headers };
}

class KafkaEventStream implements EventStream {
  readonly description: string;
  private producer: Producer | undefined;
  private closed = false;
  /** Publishes run one after another: per-key order across publishes depends on it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    brokers: readonly string[],
    private readonly mode: CloudEventContentMode,
  ) {
    this.description = `kafka ${brokers.join(',')} topic ${topic} (CloudEvents ${mode} mode)`;
  }

  /** Connects the first producer, so a wrong broker address fails at start rather than on first publish. */
  async connect(): Promise<void> {
    await this.producerOrConnect();
  }

  publish(events: readonly KeystreamCloudEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new KeystreamError('FAILED_PRECONDITION', `${this.description} is closed; connect a new event stream to publish`));
    if (events.length === 0) return Promise.resolve();
    const run = this.tail.then(() => this.send(events));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.dropProducer();
  }

  private async send(events: readonly KeystreamCloudEvent[]): Promise<void> {
    // Serialised (and checked against the CloudEvents spec) before anything is sent.
    const messages = events.map((event) => toMessage(event, this.mode));
    const producer = await this.producerOrConnect();
    try {
      for (const slice of produceRequestSlices(messages)) {
        await producer.send({ topic: this.topic, acks: -1, messages: slice });
      }
    } catch (error) {
      // After a failed send the idempotent producer's sequence numbers may disagree with the
      // broker's; a fresh producer (new producer id) makes the caller's retry start clean.
      await this.dropProducer();
      throw new KeystreamError('UNAVAILABLE', `publishing ${events.length} events to ${this.description} failed: ${(error as Error).message}`, [], { cause: error });
    }
  }

  private async producerOrConnect(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, unlike the idempotent default of retrying forever: a broker outage must surface
      // to the relay, which backs off and republishes (at-least-once), and a stop must not hang.
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw new KeystreamError('UNAVAILABLE', `cannot connect to ${this.description}: ${(error as Error).message}`, [], { cause: error });
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

async function ensureTopic(kafka: Kafka, topic: string, spec: KafkaEventStreamOptions['createTopic']): Promise<void> {
  if (spec === false) return;
  const settings = typeof spec === 'object' ? spec : {};
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Resolves false when the topic exists already, which is fine.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: settings.numPartitions ?? -1, replicationFactor: settings.replicationFactor ?? -1 }],
    });
  } catch (error) {
    throw new KeystreamError('UNAVAILABLE', `cannot create topic ${topic} on the Kafka cluster: ${(error as Error).message}`, [], { cause: error });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Connects a Kafka event stream: creates the topic if asked (default), then connects the producer.
 * Rejects with UNAVAILABLE when the brokers cannot be reached.
 */
export async function connectKafkaEventStream(options: KafkaEventStreamOptions): Promise<EventStream> {
  const topic = options.topic ?? DEFAULT_KAFKA_TOPIC;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'keystream-relay',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: logCreatorFor(options.logger),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  await ensureTopic(kafka, topic, options.createTopic);
  const stream = new KafkaEventStream(kafka, topic, options.brokers, options.contentMode ?? 'binary');
  await stream.connect();
  return stream;
}
