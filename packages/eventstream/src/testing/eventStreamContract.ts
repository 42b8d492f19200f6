/**
 * The EventStream contract (CONVENTIONS.md, contract suites): every adapter runs it. What a
 * consumer relies on: each published event arrives once per publish as the same CloudEvent
 * (decoded with the CloudEvents SDK), keyed by resource name, events of one key in publish order,
 * every one valid against its type's schema.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { KeystreamCloudEvent } from '../cloudevents/keystreamCloudEvent.js';
import { resourceCloudEvent } from '../cloudevents/resourceCloudEvent.js';
import type { EventStreamHarness, EventStreamHarnessFactory, ReceivedMessage } from './eventStreamHarness.js';
import { eventSchemaValidator } from './eventSchemaValidator.js';

let sequence = 0;

/**
 * A well-formed event about project `name` at `revision` (created at 0, updated after, or deleted
 * when asked), built the way the relay builds them; unique id and increasing position.
 */
export function sampleCloudEvent(name: string, revision: number, options: { readonly verb?: 'Created' | 'Updated' | 'Deleted'; readonly title?: string } = {}): KeystreamCloudEvent {
  sequence += 1;
  const time = new Date().toISOString();
  return resourceCloudEvent({
    id: randomUUID(),
    kind: 'Project',
    verb: options.verb ?? (revision === 0 ? 'Created' : 'Updated'),
    name,
    resource: {
      name,
      title: options.title ?? `title ${revision}`,
      metadata: {
        createTime: time,
        updateTime: time,
        uuid: randomUUID(),
        generation: revision + 1,
        resourceVersion: String(revision),
        labels: { env: 'test' },
        lifecycle: { state: 'ACTIVE' },
      },
    },
    position: sequence.toString(16).padStart(32, '0'),
    revision,
    time,
  });
}

function byKey(messages: readonly ReceivedMessage[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { key, event } of messages) out.set(key, [...(out.get(key) ?? []), event.keystreamrevision]);
  return out;
}

/** Registers the contract suite for one adapter. */
export function describeEventStreamContract(adapter: string, factory: EventStreamHarnessFactory): void {
  describe(`EventStream contract: ${adapter}`, function () {
    this.timeout(60_000);
    let harness: EventStreamHarness | undefined;
    const open = async (): Promise<EventStreamHarness> => (harness = await factory());
    const validate = eventSchemaValidator();

    afterEach(async () => {
      await harness?.dispose();
      harness = undefined;
    });

    describe('publish', () => {
      it('should deliver every event of a batch once, as the same CloudEvent, keyed by resource name', async () => {
        const { stream, received } = await open();
        const name = `projects/p-${randomUUID().slice(0, 8)}`;
        const events = [0, 1, 2].map((revision) => sampleCloudEvent(name, revision));
        await stream.publish(events);
        const messages = await received(3);
        expect(messages.map((message) => message.event)).to.deep.equal(events);
        expect(messages.map((message) => message.key)).to.deep.equal([name, name, name]);
      });

      it('should deliver events valid against their type schema, the deletion with its final state', async () => {
        const { stream, received } = await open();
        const name = `projects/p-${randomUUID().slice(0, 8)}`;
        const events = [sampleCloudEvent(name, 0), sampleCloudEvent(name, 1), sampleCloudEvent(name, 2, { verb: 'Deleted' })];
        await stream.publish(events);
        const messages = await received(3);
        for (const { event } of messages) expect(validate(event).errors, event.type).to.deep.equal([]);
        expect(messages.map((message) => message.event.type)).to.deep.equal(['com.edgelq.iam.v1.project.created', 'com.edgelq.iam.v1.project.updated', 'com.edgelq.iam.v1.project.deleted']);
        expect(messages[2]?.event.data).to.have.nested.property('metadata.lifecycle.state', 'DELETING');
      });

      it('should keep per-key order across batches with interleaved keys', async () => {
        const { stream, received } = await open();
        const names = ['a', 'b', 'c', 'd', 'e'].map((letter) => `projects/${letter}-${randomUUID().slice(0, 8)}`);
        const perName = 12;
        const all: KeystreamCloudEvent[] = [];
        for (let revision = 0; revision < perName; revision += 1) for (const name of names) all.push(sampleCloudEvent(name, revision));
        // Batches of uneven size, published back to back without waiting in between.
        const batches = [all.slice(0, 7), all.slice(7, 8), all.slice(8, 31), all.slice(31)];
        await Promise.all(batches.map((batch) => stream.publish(batch)));
        const messages = await received(all.length);
        expect(messages).to.have.length(all.length);
        const expected = Array.from({ length: perName }, (_, revision) => revision);
        for (const [name, revisions] of byKey(messages)) expect(revisions, name).to.deep.equal(expected);
        expect(new Set(messages.map((message) => message.event.id)).size).to.equal(all.length);
      });

      it('should deliver an event again when it is published again (at-least-once; the id stays the same)', async () => {
        const { stream, received } = await open();
        const event = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([event]);
        await stream.publish([event]);
        const messages = await received(2);
        expect(messages.map((message) => message.event.id)).to.deep.equal([event.id, event.id]);
      });

      it('should round-trip non-ASCII text, quotes and newlines in the data', async () => {
        const { stream, received } = await open();
        const event = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 3, { title: 'Zürich — 東京 ✓ "quoted"\nline' });
        await stream.publish([event]);
        const [message] = await received(1);
        expect(message?.event).to.deep.equal(event);
      });

      it('should refuse a batch holding an event that breaks the CloudEvents spec, sending none of it', async () => {
        const { stream, received } = await open();
        const good = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        const bad = { ...sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0), source: '' };
        const error = await stream.publish([good, bad]).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).to.have.property('code', 'INVALID_ARGUMENT');
        const marker = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([marker]);
        expect((await received(1)).map((message) => message.event.id)).to.deep.equal([marker.id]);
      });

      it('should resolve an empty batch without delivering anything', async () => {
        const { stream, received } = await open();
        await stream.publish([]);
        const marker = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([marker]);
        const messages = await received(1);
        expect(messages.map((message) => message.event.id)).to.deep.equal([marker.id]);
      });
    });

    describe('close', () => {
      it('should wait for a publish in flight, then reject publishes with FAILED_PRECONDITION', async () => {
        const { stream, received } = await open();
        const event = sampleCloudEvent(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        const publishing = stream.publish([event]);
        await stream.close();
        await publishing;
        expect(await received(1)).to.have.length(1);
        const error = await stream.publish([sampleCloudEvent('projects/late', 0)]).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).to.have.property('code', 'FAILED_PRECONDITION');
        await stream.close();
      });
    });
  });
}
