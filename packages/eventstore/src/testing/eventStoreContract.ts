/**
 * The EventStore contract: one mocha suite every adapter runs (the embedded LMDB store always,
 * EventStoreDB when a server is configured). Tests use unique stream names and event types so
 * they can share a real server with other runs.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DuplicateEventIdError } from '../errors/duplicateEventIdError.js';
import { WrongExpectedVersionError } from '../errors/wrongExpectedVersionError.js';
import type { EventStore, NewEvent, RecordedEvent, SubscriptionMessage } from '../eventStore.js';
import type { Position } from '../position.js';
import { comparePositions } from '../position.js';
import { withDeadline } from '@keystream/api/testing';

/** A store opened on a fresh location for one test. */
export interface EventStoreFixture {
  /** The open store (replaced by {@link EventStoreFixture.reopen}). */
  readonly store: EventStore;
  /** Closes the current store and opens a new one on the same data. */
  reopen(): Promise<EventStore>;
  /** Closes the store, if open. */
  closeStore(): Promise<void>;
  /**
   * A location `openEventStore` understands, for the SIGKILL test's child process. Omit it for
   * adapters where a client process holds nothing durable.
   */
  readonly location?: string;
  /** Closes everything and removes the data. */
  dispose(): Promise<void>;
}

/**
 * A fixture over the store `open` makes, made again by `reopen`; `cleanUp` runs after the store
 * closed when the fixture is disposed (removing a directory, stopping a writer process).
 */
export function reopenableFixture(open: () => EventStore, options: { readonly location?: string; readonly cleanUp?: () => Promise<void> } = {}): EventStoreFixture {
  let store: EventStore | undefined = open();
  const closeStore = async (): Promise<void> => {
    await store?.close();
    store = undefined;
  };
  return {
    get store(): EventStore {
      if (store === undefined) throw new Error('the store is closed');
      return store;
    },
    ...(options.location === undefined ? {} : { location: options.location }),
    closeStore,
    async reopen() {
      await closeStore();
      store = open();
      return store;
    },
    async dispose() {
      await closeStore();
      await options.cleanUp?.();
    },
  };
}

/** How the contract suite gets stores. */
export interface EventStoreContractFactory {
  /** Adapter name, used in the suite title. */
  readonly name: string;
  /** When set, the suite is skipped and this one line is printed (e.g. which variable enables it). */
  readonly skipReason?: string | undefined;
  /** A fresh, empty store (or, for a shared server, one whose earlier content the tests ignore). */
  create(): Promise<EventStoreFixture>;
}

const DEADLINE_MS = 10_000;

/** Builds a test event with a fresh id. */
function event(type: string, data: NewEvent['data'] = {}): NewEvent {
  const id = randomUUID();
  return { id, type, data, metadata: { actor: 'user:contract@example.com', requestId: id, correlationId: id, causationId: id, occurredAt: '2024-01-02T03:04:05Z', schema: 1 } };
}

/** A unique stream name in the `<Kind>-<resource name>` form. */
function uniqueStream(kind = 'Project'): string {
  return `${kind}-projects/p${randomUUID().slice(0, 8)}`;
}

/** A unique event-type prefix, so subscriptions only see this test's events. */
function uniqueType(): string {
  return `T${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Reads subscription messages until `done` says so, within the deadline. */
async function collectUntil(iterator: AsyncIterator<SubscriptionMessage>, done: (messages: readonly SubscriptionMessage[]) => boolean, what: string): Promise<SubscriptionMessage[]> {
  const messages: SubscriptionMessage[] = [];
  await withDeadline(
    (async () => {
      while (!done(messages)) {
        const next = await iterator.next();
        if (next.done === true) throw new Error(`subscription ended before ${what}`);
        messages.push(next.value);
      }
    })(),
    DEADLINE_MS,
    what,
  );
  return messages;
}

function eventsOf(messages: readonly SubscriptionMessage[]): RecordedEvent[] {
  return messages.flatMap((message) => (message.kind === 'event' ? [message.event] : []));
}

/** `array[index]`, failing the test when it is absent (strict index access without `!`). */
function at<T>(array: readonly T[], index: number): T {
  const value = array[index];
  if (value === undefined) throw new Error(`expected an element at index ${index} of ${array.length}`);
  return value;
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Registers the EventStore contract suite for one adapter. */
export function describeEventStoreContract(factory: EventStoreContractFactory): void {
  const skipReason = factory.skipReason;
  if (skipReason !== undefined) {
    // One pending line instead of every test listed as pending: the reason is what matters.
    describe(`EventStore contract: ${factory.name}`, () => {
      it(`is skipped: ${skipReason}`);
    });
    return;
  }
  describe(`EventStore contract: ${factory.name}`, function () {
    let fixture: EventStoreFixture | undefined;
    let store: EventStore;

    beforeEach(async () => {
      fixture = await factory.create();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.dispose();
      fixture = undefined;
    });

    describe('append and readStream', () => {
      it('should append a batch with no_stream and read it back forwards with the envelope intact', async () => {
        const stream = uniqueStream();
        const batch = [event('ProjectCreated', { title: 'one', nested: { list: [1, 'two', null, true] } }), event('ProjectUpdated', { title: 'two' })];
        const result = await store.append(stream, batch, 'no_stream');
        expect(result.revision).to.equal(1);
        const read = await store.readStream(stream);
        expect(read.map((recorded) => ({ id: recorded.id, type: recorded.type, data: recorded.data, metadata: recorded.metadata }))).to.deep.equal(batch);
        expect(read.map((recorded) => recorded.revision)).to.deep.equal([0, 1]);
        expect(read.every((recorded) => recorded.stream === stream)).to.equal(true);
        expect(read[1]?.position).to.equal(result.position);
        expect(comparePositions(at(read, 0).position, at(read, 1).position)).to.be.lessThan(0);
      });

      it('should read backwards, from a revision and with a limit', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A'), event('B'), event('C'), event('D')], 'no_stream');
        expect((await store.readStream(stream, { direction: 'backwards' })).map((recorded) => recorded.type)).to.deep.equal(['D', 'C', 'B', 'A']);
        expect((await store.readStream(stream, { direction: 'backwards', fromRevision: 2, limit: 2 })).map((recorded) => recorded.type)).to.deep.equal(['C', 'B']);
        expect((await store.readStream(stream, { fromRevision: 1, limit: 2 })).map((recorded) => recorded.type)).to.deep.equal(['B', 'C']);
        // The last event alone, as every command and Get reads it, after a second append too.
        expect((await store.readStream(stream, { direction: 'backwards', limit: 1 })).map((recorded) => [recorded.type, recorded.revision])).to.deep.equal([['D', 3]]);
        await store.append(stream, [event('E')], 3);
        expect((await store.readStream(stream, { direction: 'backwards', limit: 1 })).map((recorded) => [recorded.type, recorded.revision])).to.deep.equal([['E', 4]]);
        expect(await store.readStream(uniqueStream(), { direction: 'backwards', limit: 1 })).to.deep.equal([]);
      });

      it('should read an absent stream as empty', async () => {
        expect(await store.readStream(uniqueStream())).to.deep.equal([]);
      });

      it('should reject an empty batch and a system event type as INVALID_ARGUMENT', async () => {
        const empty = await expectRejection(store.append(uniqueStream(), [], 'any'));
        expect(empty).to.have.property('code', 'INVALID_ARGUMENT');
        const system = await expectRejection(store.append(uniqueStream(), [event('$metadata')], 'any'));
        expect(system).to.have.property('code', 'INVALID_ARGUMENT');
      });
    });

    describe('optimistic concurrency', () => {
      it('should refuse no_stream on an existing stream with WRONG_EXPECTED_VERSION carrying the actual revision', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A'), event('B')], 'no_stream');
        const error = await expectRejection(store.append(stream, [event('C')], 'no_stream'));
        expect(error).to.be.instanceOf(WrongExpectedVersionError);
        expect(error).to.include({ code: 'ABORTED', reason: 'WRONG_EXPECTED_VERSION', actualRevision: 1, stream });
      });

      it('should refuse a stale revision and a revision on an absent stream', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A')], 'no_stream');
        await store.append(stream, [event('B')], 0);
        expect(await expectRejection(store.append(stream, [event('C')], 0))).to.include({ reason: 'WRONG_EXPECTED_VERSION', actualRevision: 1 });
        expect(await expectRejection(store.append(uniqueStream(), [event('C')], 3))).to.include({ reason: 'WRONG_EXPECTED_VERSION', actualRevision: 'no_stream' });
        expect((await store.append(stream, [event('D')], 'any')).revision).to.equal(2);
      });

      it('should let exactly one of 20 concurrent appenders win each revision, with gap-free revisions', async () => {
        const stream = uniqueStream();
        const rounds = 5;
        for (let round = 0; round < rounds; round += 1) {
          const expected = round === 0 ? ('no_stream' as const) : round - 1;
          const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(stream, [event('Raced')], expected)));
          const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
          expect(winners, `round ${round}`).to.have.lengthOf(1);
          expect(winners[0]?.value.revision).to.equal(round);
          for (const loser of losers) expect(loser).to.be.instanceOf(WrongExpectedVersionError).and.to.include({ actualRevision: round });
        }
        expect((await store.readStream(stream)).map((recorded) => recorded.revision)).to.deep.equal([0, 1, 2, 3, 4]);
      });

      it('should keep every event of 20 appenders that retry on conflict, each exactly once', async () => {
        const stream = uniqueStream();
        const appendWithRetry = async (candidate: NewEvent): Promise<void> => {
          for (;;) {
            const last = (await store.readStream(stream, { direction: 'backwards', limit: 1 }))[0];
            try {
              await store.append(stream, [candidate], last === undefined ? 'no_stream' : last.revision);
              return;
            } catch (error) {
              if (!(error instanceof WrongExpectedVersionError)) throw error;
            }
          }
        };
        const candidates = Array.from({ length: 20 }, (_, index) => event('Retried', { index }));
        await Promise.all(candidates.map(appendWithRetry));
        const read = await store.readStream(stream);
        expect(read.map((recorded) => recorded.revision)).to.deep.equal(Array.from({ length: 20 }, (_, index) => index));
        expect(new Set(read.map((recorded) => recorded.id))).to.deep.equal(new Set(candidates.map((candidate) => candidate.id)));
      });
    });

    describe('idempotent re-append', () => {
      it('should return the original result and write nothing when every event id is already in the stream', async () => {
        const stream = uniqueStream();
        const batch = [event('A'), event('B')];
        const first = await store.append(stream, batch, 'no_stream');
        const head = await store.headPosition();
        expect(await store.append(stream, batch, 'no_stream')).to.deep.equal(first);
        expect(await store.append(stream, batch, 'any')).to.deep.equal(first);
        await store.append(stream, [event('C')], 1);
        expect(await store.append(stream, batch, 0)).to.deep.equal(first);
        expect(await store.readStream(stream)).to.have.lengthOf(3);
        expect((await store.readAll(head, 100)).filter((recorded) => recorded.stream === stream)).to.have.lengthOf(1);
      });

      it('should refuse a batch that repeats only some ids with DUPLICATE_EVENT_ID', async () => {
        const stream = uniqueStream();
        const first = event('A');
        await store.append(stream, [first], 'no_stream');
        const error = await expectRejection(store.append(stream, [first, event('B')], 'any'));
        expect(error).to.be.instanceOf(DuplicateEventIdError).and.to.include({ code: 'ALREADY_EXISTS', reason: 'DUPLICATE_EVENT_ID' });
        expect(await store.readStream(stream)).to.have.lengthOf(1);
      });
    });

    describe('appendToStreams', () => {
      it('should append to every stream, answering each result in order, and read back like single appends', async () => {
        const [first, second] = [uniqueStream('Project'), uniqueStream('RoleBinding')];
        const [a, b] = [[event('ProjectCreated')], [event('RoleBindingCreated'), event('RoleBindingUpdated')]];
        const results = await store.appendToStreams([
          { stream: first, events: a, expectedRevision: 'no_stream' },
          { stream: second, events: b, expectedRevision: 'no_stream' },
        ]);
        expect(results.map((result) => result.revision)).to.deep.equal([0, 1]);
        expect(comparePositions(at(results, 0).position, at(results, 1).position)).to.be.lessThan(0);
        expect((await store.readStream(first)).map((recorded) => recorded.id)).to.deep.equal(a.map((item) => item.id));
        expect((await store.readStream(second)).map((recorded) => recorded.id)).to.deep.equal(b.map((item) => item.id));
      });

      it('should write nothing new and answer the same results when retried with the same event ids', async () => {
        const appends = [
          { stream: uniqueStream('Project'), events: [event('ProjectCreated')], expectedRevision: 'no_stream' as const },
          { stream: uniqueStream('RoleBinding'), events: [event('RoleBindingCreated')], expectedRevision: 'no_stream' as const },
        ];
        const results = await store.appendToStreams(appends);
        const head = await store.headPosition();
        expect(await store.appendToStreams(appends)).to.deep.equal(results);
        expect(await store.headPosition()).to.equal(head);
      });

      it('should refuse a conflicting append with WRONG_EXPECTED_VERSION: nothing written when atomic, the appends before it otherwise', async () => {
        const [fresh, existing] = [uniqueStream('Project'), uniqueStream('RoleBinding')];
        await store.append(existing, [event('RoleBindingCreated')], 'no_stream');
        const error = await expectRejection(
          store.appendToStreams([
            { stream: fresh, events: [event('ProjectCreated')], expectedRevision: 'no_stream' },
            { stream: existing, events: [event('RoleBindingCreated')], expectedRevision: 'no_stream' },
          ]),
        );
        expect(error).to.include({ code: 'ABORTED', reason: 'WRONG_EXPECTED_VERSION', stream: existing });
        expect(await store.readStream(fresh)).to.have.length(store.atomicMultiStream ? 0 : 1);
        expect(await store.readStream(existing)).to.have.length(1);
      });

      it('should refuse a stream named twice as INVALID_ARGUMENT, writing nothing', async () => {
        const stream = uniqueStream();
        const error = await expectRejection(
          store.appendToStreams([
            { stream, events: [event('ProjectCreated')], expectedRevision: 'no_stream' },
            { stream, events: [event('ProjectUpdated')], expectedRevision: 0 },
          ]),
        );
        expect(error).to.have.property('code', 'INVALID_ARGUMENT');
        expect(await store.readStream(stream)).to.deep.equal([]);
      });
    });

    describe('$all', () => {
      it('should order every acknowledged event once, by strictly increasing position, keeping stream order', async () => {
        const start = await store.headPosition();
        const streams = Array.from({ length: 8 }, () => uniqueStream());
        const acked: { stream: string; id: string; position: Position }[] = [];
        await Promise.all(
          streams.map(async (stream) => {
            let expected: number | 'no_stream' = 'no_stream';
            for (let index = 0; index < 10; index += 1) {
              const batch = [event('Ordered', { index })];
              const result = await store.append(stream, batch, expected);
              expected = result.revision;
              acked.push({ stream, id: at(batch, 0).id, position: result.position });
            }
          }),
        );
        const all: RecordedEvent[] = [];
        let cursor = start;
        for (;;) {
          const page = await store.readAll(cursor, 7);
          if (page.length === 0) break;
          all.push(...page);
          cursor = at(page, page.length - 1).position;
        }
        const ours = all.filter((recorded) => streams.includes(recorded.stream));
        expect(ours).to.have.lengthOf(80);
        for (let index = 1; index < all.length; index += 1) expect(comparePositions(at(all, index - 1).position, at(all, index).position)).to.be.lessThan(0);
        for (const stream of streams) {
          expect(ours.filter((recorded) => recorded.stream === stream).map((recorded) => recorded.revision)).to.deep.equal(Array.from({ length: 10 }, (_, index) => index));
        }
        const byId = new Map(ours.map((recorded) => [recorded.id, recorded.position]));
        for (const ack of acked) expect(byId.get(ack.id), ack.id).to.equal(ack.position);
        expect(await store.headPosition()).to.equal(all[all.length - 1]?.position);
      });

      it('should read $all strictly after the given position', async () => {
        const stream = uniqueStream();
        await store.append(stream, [event('A'), event('B'), event('C')], 'no_stream');
        const events = await store.readStream(stream);
        const after = await store.readAll(at(events, 0).position, 2);
        expect(after.map((recorded) => recorded.id)).to.deep.equal([at(events, 1).id, at(events, 2).id]);
      });
    });

    describe('subscribeToAll', () => {
      it('should deliver catch-up events then live events, in position order, strictly after the start', async () => {
        const type = uniqueType();
        const stream = uniqueStream();
        const before = await store.append(stream, [event(`${type}Skipped`)], 'no_stream');
        await store.append(stream, [event(`${type}A`), event(`${type}B`)], 0);
        const subscription = store.subscribeToAll(before.position, { eventTypePrefix: type });
        const iterator = subscription[Symbol.asyncIterator]();
        try {
          const caughtUp = await collectUntil(iterator, (messages) => eventsOf(messages).length >= 2, 'catch-up');
          await store.append(stream, [event(`${type}C`)], 2);
          const live = await collectUntil(iterator, (messages) => eventsOf(messages).length >= 1, 'live delivery');
          const types = eventsOf([...caughtUp, ...live]).map((recorded) => recorded.type);
          expect(types).to.deep.equal([`${type}A`, `${type}B`, `${type}C`]);
          const positions = [...caughtUp, ...live].map((message) => (message.kind === 'event' ? message.event.position : message.position));
          for (let index = 1; index < positions.length; index += 1) expect(comparePositions(at(positions, index - 1), at(positions, index))).to.be.at.most(0);
        } finally {
          await subscription.close();
        }
      });

      it('should send checkpoints even when no event matches the filter', async () => {
        const start = await store.headPosition();
        const stream = uniqueStream();
        const last = await store.append(stream, Array.from({ length: 100 }, () => event('Unmatched')), 'no_stream');
        const subscription = store.subscribeToAll(start, { eventTypePrefix: uniqueType(), checkpointInterval: 32 });
        try {
          const messages = await collectUntil(
            subscription[Symbol.asyncIterator](),
            (received) => received.some((message) => message.kind === 'checkpoint' && comparePositions(message.position, last.position) >= 0),
            'a checkpoint at or past the last unmatched event',
          );
          expect(eventsOf(messages)).to.deep.equal([]);
        } finally {
          await subscription.close();
        }
      });

      it('should resume exactly after a checkpoint: no matching event lost or repeated', async () => {
        const type = uniqueType();
        const start = await store.headPosition();
        const stream = uniqueStream();
        const batch = Array.from({ length: 120 }, (_, index) => event(index % 3 === 0 ? `${type}Kept` : 'Other', { index }));
        await store.append(stream, batch, 'no_stream');
        const expected = batch.filter((candidate) => candidate.type.startsWith(type)).map((candidate) => candidate.id);
        const first = store.subscribeToAll(start, { eventTypePrefix: type, checkpointInterval: 1 });
        let firstEvents: RecordedEvent[];
        let checkpoint: Position;
        try {
          const messages = await collectUntil(first[Symbol.asyncIterator](), (received) => eventsOf(received).length >= 10 && received[received.length - 1]?.kind === 'checkpoint', 'a checkpoint after 10 events');
          const lastMessage = messages[messages.length - 1];
          if (lastMessage?.kind !== 'checkpoint') throw new Error('expected a checkpoint');
          checkpoint = lastMessage.position;
          firstEvents = eventsOf(messages);
        } finally {
          await first.close();
        }
        const second = store.subscribeToAll(checkpoint, { eventTypePrefix: type });
        try {
          const messages = await collectUntil(second[Symbol.asyncIterator](), (received) => firstEvents.length + eventsOf(received).length >= expected.length, 'the remaining events');
          expect([...firstEvents, ...eventsOf(messages)].map((recorded) => recorded.id)).to.deep.equal(expected);
        } finally {
          await second.close();
        }
      });

      it('should end the iteration when closed while waiting for live events', async () => {
        const subscription = store.subscribeToAll(await store.headPosition(), { eventTypePrefix: uniqueType() });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = (async () => {
          for (;;) {
            const next = await iterator.next();
            if (next.done === true) return 'ended';
          }
        })();
        await subscription.close();
        expect(await withDeadline(pending, DEADLINE_MS, 'the end of a closed subscription')).to.equal('ended');
      });
    });

    describe('durability', () => {
      it('should keep every acknowledged append of a process killed with SIGKILL', async function () {
        const location = fixture?.location;
        if (fixture === undefined || location === undefined) {
          // Only an embedded store has a process of its own to kill: a server adapter's durability
          // is the server's, which this suite cannot kill from here.
          console.log('      skipped: SIGKILL durability applies to embedded stores (this fixture has no local location)');
          this.skip();
          return;
        }
        await fixture.closeStore();
        const stream = uniqueStream();
        const acked = await runChildUntilKilled(location, stream, 25);
        const reopened = await fixture.reopen();
        const read = await reopened.readStream(stream);
        const stored = new Map(read.map((recorded) => [recorded.id, recorded]));
        for (const ack of acked) {
          expect(stored.get(ack.id), `acknowledged event ${ack.id}`).to.include({ revision: ack.revision, position: ack.position });
        }
        expect(read.map((recorded) => recorded.revision)).to.deep.equal(Array.from({ length: read.length }, (_, index) => index));
      });
    });
  });
}

interface Ack {
  readonly id: string;
  readonly revision: number;
  readonly position: Position;
}

/** Runs appendChild.ts, SIGKILLs it right after it has acknowledged `count` appends, returns the acks. */
async function runChildUntilKilled(location: string, stream: string, count: number): Promise<Ack[]> {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./appendChild${extension}`, import.meta.url));
  const nodeArgs = extension === '.ts' ? ['--import', 'tsx', '--conditions=keystream-source'] : [];
  const child = spawn(process.execPath, [...nodeArgs, script, location, stream], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  try {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const [tag, id, revision, position] = line.split(' ');
          if (tag !== 'ACK' || id === undefined || revision === undefined || position === undefined) return;
          acks.push({ id, revision: Number(revision), position });
          if (acks.length === count) {
            // Kill at once, on the line that acknowledged the append: nothing gets to flush.
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', (code) => {
          reject(new Error(`append child exited (${code}) before ${count} acks: ${stderr}`));
        });
      }),
      30_000,
      `${count} acknowledged appends from the child process`,
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  return acks;
}
