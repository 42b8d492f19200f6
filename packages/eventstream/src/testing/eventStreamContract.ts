/**
 * The EventStream contract (CONVENTIONS.md, contract suites): every adapter runs it. What a
 * consumer relies on: each published event arrives once per publish, events of one key in publish
 * order, the envelope intact, with the event id and type in the headers for deduplication.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { EVENT_ID_HEADER, EVENT_POSITION_HEADER, EVENT_TYPE_HEADER, type EventEnvelope } from '../eventEnvelope.js';
import type { EventStreamHarness, EventStreamHarnessFactory } from './eventStreamHarness.js';

let sequence = 0;

/** A well-formed envelope of resource `name` (kind Project); unique id and increasing position. */
export function sampleEnvelope(name: string, revision: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  sequence += 1;
  return {
    id: randomUUID(),
    type: revision === 0 ? 'ProjectCreated' : 'ProjectUpdated',
    stream: `Project-${name}`,
    kind: 'Project',
    name,
    position: sequence.toString(16).padStart(32, '0'),
    revision,
    data: { resource: { name, title: `title ${revision}`, metadata: { labels: { env: 'test' } } } },
    metadata: { actor: 'user:alice@example.com', requestId: randomUUID(), correlationId: 'c', causationId: 'c', occurredAt: new Date().toISOString(), schema: 1 },
    ...overrides,
  };
}

function byKey(messages: readonly { readonly key: string; readonly envelope: EventEnvelope }[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { key, envelope } of messages) out.set(key, [...(out.get(key) ?? []), envelope.revision]);
  return out;
}

/** Registers the contract suite for one adapter. */
export function describeEventStreamContract(adapter: string, factory: EventStreamHarnessFactory): void {
  describe(`EventStream contract: ${adapter}`, function () {
    this.timeout(60_000);
    let harness: EventStreamHarness | undefined;
    const open = async (): Promise<EventStreamHarness> => (harness = await factory());

    afterEach(async () => {
      await harness?.dispose();
      harness = undefined;
    });

    describe('publish', () => {
      it('should deliver every event of a batch once, with the envelope intact and keyed by resource name', async () => {
        const { stream, received } = await open();
        const name = `projects/p-${randomUUID().slice(0, 8)}`;
        const events = [0, 1, 2].map((revision) => sampleEnvelope(name, revision));
        await stream.publish(events);
        const messages = await received(3);
        expect(messages.map((message) => message.envelope)).to.deep.equal(events);
        expect(messages.map((message) => message.key)).to.deep.equal([name, name, name]);
      });

      it('should carry the event id, type and position in the headers so consumers can deduplicate', async () => {
        const { stream, received } = await open();
        const event = sampleEnvelope(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([event]);
        const [message] = await received(1);
        expect(message?.headers).to.include({ [EVENT_ID_HEADER]: event.id, [EVENT_TYPE_HEADER]: event.type, [EVENT_POSITION_HEADER]: event.position });
      });

      it('should keep per-key order across batches with interleaved keys', async () => {
        const { stream, received } = await open();
        const names = ['a', 'b', 'c', 'd', 'e'].map((letter) => `projects/${letter}-${randomUUID().slice(0, 8)}`);
        const perName = 12;
        const all: EventEnvelope[] = [];
        for (let revision = 0; revision < perName; revision += 1) for (const name of names) all.push(sampleEnvelope(name, revision));
        // Batches of uneven size, published back to back without waiting in between.
        const batches = [all.slice(0, 7), all.slice(7, 8), all.slice(8, 31), all.slice(31)];
        await Promise.all(batches.map((batch) => stream.publish(batch)));
        const messages = await received(all.length);
        expect(messages).to.have.length(all.length);
        const expected = Array.from({ length: perName }, (_, revision) => revision);
        for (const [name, revisions] of byKey(messages)) expect(revisions, name).to.deep.equal(expected);
        expect(new Set(messages.map((message) => message.envelope.id)).size).to.equal(all.length);
      });

      it('should deliver an event again when it is published again (at-least-once; the id stays the same)', async () => {
        const { stream, received } = await open();
        const event = sampleEnvelope(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([event]);
        await stream.publish([event]);
        const messages = await received(2);
        expect(messages.map((message) => message.envelope.id)).to.deep.equal([event.id, event.id]);
      });

      it('should round-trip non-ASCII text, nested objects, nulls and a non-resource stream', async () => {
        const { stream, received } = await open();
        const event = sampleEnvelope('Migrations-2024', 3, {
          kind: null,
          stream: 'Migrations-2024',
          type: 'MigrationRecorded',
          data: { note: 'Zürich — 東京 ✓ "quoted"\nline', nested: { list: [1, 2.5, null, { deep: true }] }, empty: {} },
        });
        await stream.publish([event]);
        const [message] = await received(1);
        expect(message?.envelope).to.deep.equal(event);
      });

      it('should resolve an empty batch without delivering anything', async () => {
        const { stream, received } = await open();
        await stream.publish([]);
        const marker = sampleEnvelope(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        await stream.publish([marker]);
        const messages = await received(1);
        expect(messages.map((message) => message.envelope.id)).to.deep.equal([marker.id]);
      });
    });

    describe('close', () => {
      it('should wait for a publish in flight, then reject publishes with FAILED_PRECONDITION', async () => {
        const { stream, received } = await open();
        const event = sampleEnvelope(`projects/p-${randomUUID().slice(0, 8)}`, 0);
        const publishing = stream.publish([event]);
        await stream.close();
        await publishing;
        expect(await received(1)).to.have.length(1);
        const error = await stream.publish([sampleEnvelope('projects/late', 0)]).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).to.have.property('code', 'FAILED_PRECONDITION');
        await stream.close();
      });
    });
  });
}
