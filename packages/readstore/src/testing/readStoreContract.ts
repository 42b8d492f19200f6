/**
 * The ReadStore contract: one mocha suite every adapter runs (embedded LMDB always, MongoDB when
 * a server is configured). Every test gets a fresh store and unique kinds and names.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ChangeLogExpiredError } from '../errors/changeLogExpiredError.js';
import type { Position } from '../position.js';
import type { ApplyBatch, ChangeFeed, ChangeLogEntry, ChangeLogRetention, JsonObject, ReadStore } from '../readStore.js';
import { withDeadline } from '@keystream/api/testing';

/** Options the suite passes when it needs a particular store. */
export interface ReadStoreFixtureOptions {
  readonly retention?: ChangeLogRetention;
  readonly now?: () => number;
}

/** A fresh store for one test. */
export interface ReadStoreFixture {
  readonly store: ReadStore;
  /** Closes the store and removes its data. */
  dispose(): Promise<void>;
}

/** How the contract suite gets stores. */
export interface ReadStoreContractFactory {
  readonly name: string;
  /** When set, the suite is skipped and this one line is printed (e.g. which variable enables it). */
  readonly skipReason?: string | undefined;
  create(options: ReadStoreFixtureOptions): Promise<ReadStoreFixture>;
}

const DEADLINE_MS = 10_000;

/** Fixed-width test positions, like the event store's. */
function position(sequence: number): Position {
  return sequence.toString(16).padStart(16, '0');
}

function at<T>(array: readonly T[], index: number): T {
  const value = array[index];
  if (value === undefined) throw new Error(`expected an element at index ${index} of ${array.length}`);
  return value;
}

function project(name: string, fields: JsonObject = {}): JsonObject {
  return { name, title: `title of ${name}`, ...fields };
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Reads feed batches until `count` entries arrived, within the deadline. */
async function takeEntries(iterator: AsyncIterator<readonly ChangeLogEntry[]>, count: number): Promise<ChangeLogEntry[]> {
  const entries: ChangeLogEntry[] = [];
  await withDeadline(
    (async () => {
      while (entries.length < count) {
        const next = await iterator.next();
        if (next.done === true) throw new Error(`change feed ended after ${entries.length} of ${count} entries`);
        entries.push(...next.value);
      }
    })(),
    DEADLINE_MS,
    `${count} change-log entries`,
  );
  return entries;
}

/** Registers the ReadStore contract suite for one adapter. */
export function describeReadStoreContract(factory: ReadStoreContractFactory): void {
  const skipReason = factory.skipReason;
  if (skipReason !== undefined) {
    // One pending line instead of every test listed as pending: the reason is what matters.
    describe(`ReadStore contract: ${factory.name}`, () => {
      it(`is skipped: ${skipReason}`);
    });
    return;
  }
  describe(`ReadStore contract: ${factory.name}`, () => {
    const fixtures: ReadStoreFixture[] = [];
    let kind: string;

    const open = async (options: ReadStoreFixtureOptions = {}): Promise<ReadStore> => {
      const fixture = await factory.create(options);
      fixtures.push(fixture);
      return fixture.store;
    };

    beforeEach(() => {
      kind = `Kind${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    });

    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((fixture) => fixture.dispose()));
    });

    describe('documents', () => {
      it('should get an applied document with its position, and batchGet found and missing names in request order', async () => {
        const store = await open();
        await store.apply({ writes: [
          { op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/a', { labels: { env: 'prod' } }) },
          { op: 'put', kind, name: 'projects/b', position: position(2), document: project('projects/b') },
        ] });
        expect(await store.get(kind, 'projects/a')).to.deep.equal({ name: 'projects/a', position: position(1), document: project('projects/a', { labels: { env: 'prod' } }) });
        expect(await store.get(kind, 'projects/zzz')).to.equal(undefined);
        const result = await store.batchGet(kind, ['projects/b', 'projects/x', 'projects/a']);
        expect(result.found.map((found) => found.name)).to.deep.equal(['projects/b', 'projects/a']);
        expect(result.missing).to.deep.equal(['projects/x']);
      });

      it('should keep kinds apart', async () => {
        const store = await open();
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/a') }] });
        expect(await store.get(`${kind}Other`, 'projects/a')).to.equal(undefined);
        expect(await store.count(`${kind}Other`)).to.equal(0);
      });

      it('should delete a document and keep its position so an older put is a no-op', async () => {
        const store = await open();
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/a') }] });
        expect(await store.apply({ writes: [{ op: 'delete', kind, name: 'projects/a', position: position(3) }] })).to.deep.equal({ applied: 1, skipped: 0 });
        expect(await store.get(kind, 'projects/a')).to.equal(undefined);
        expect(await store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(2), document: project('projects/a') }] })).to.deep.equal({ applied: 0, skipped: 1 });
        expect(await store.get(kind, 'projects/a')).to.equal(undefined);
        expect(await store.count(kind)).to.equal(0);
      });

      it('should skip writes at or below the document position', async () => {
        const store = await open();
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(5), document: project('projects/a', { v: 5 }) }] });
        const result = await store.apply({ writes: [
          { op: 'put', kind, name: 'projects/a', position: position(5), document: project('projects/a', { v: 55 }) },
          { op: 'put', kind, name: 'projects/a', position: position(4), document: project('projects/a', { v: 4 }) },
          { op: 'put', kind, name: 'projects/a', position: position(6), document: project('projects/a', { v: 6 }) },
        ] });
        expect(result).to.deep.equal({ applied: 1, skipped: 2 });
        expect((await store.get(kind, 'projects/a'))?.document['v']).to.equal(6);
      });

      it('should reject a document whose name differs from its key as INVALID_ARGUMENT', async () => {
        const store = await open();
        const error = await expectRejection(store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/b') }] }));
        expect(error).to.have.property('code', 'INVALID_ARGUMENT');
      });
    });

    describe('replay idempotency', () => {
      it('should leave byte-identical documents, change log and checkpoint after a replay from an earlier checkpoint', async () => {
        const store = await open();
        const batches: ApplyBatch[] = [];
        let sequence = 0;
        for (let round = 0; round < 6; round += 1) {
          const writes: ApplyBatch['writes'][number][] = [];
          for (let item = 0; item < 5; item += 1) {
            sequence += 1;
            const name = `projects/p${(round * 3 + item) % 7}`;
            writes.push(
              sequence % 4 === 0
                ? { op: 'delete', kind, name, position: position(sequence) }
                : { op: 'put', kind, name, position: position(sequence), document: project(name, { round, item, tags: [`t${item}`], nested: { deep: { n: sequence / 3 } } }) },
            );
          }
          batches.push({ writes, checkpoint: { projector: 'main', position: position(sequence) } });
        }
        for (const batch of batches) await store.apply(batch);
        const names = Array.from({ length: 7 }, (_, index) => `projects/p${index}`);
        const snapshot = async (): Promise<string> => JSON.stringify(await Promise.all(names.map((name) => store.get(kind, name))));
        const before = await snapshot();
        const head = await store.head();
        const initial = store.changesSince('');
        const changes = await takeEntries(initial[Symbol.asyncIterator](), 1).finally(() => initial.close());
        // Replay from the checkpoint after batch 2 (an older checkpoint is what a rebuild rewinds to).
        for (const batch of batches.slice(2)) {
          const result = await store.apply(batch);
          expect(result.applied, 'a replayed batch applies nothing').to.equal(0);
        }
        expect(await snapshot()).to.equal(before);
        expect(await store.head()).to.equal(head);
        expect(await store.checkpoint('main')).to.equal(position(sequence));
        const feed = store.changesSince('');
        try {
          const again = await takeEntries(feed[Symbol.asyncIterator](), changes.length);
          expect(again.length).to.equal(changes.length);
        } finally {
          await feed.close();
        }
      });
    });

    describe('query', () => {
      const seed = async (store: ReadStore): Promise<void> => {
        const writes: ApplyBatch['writes'][number][] = [];
        for (let index = 0; index < 30; index += 1) {
          const name = `projects/p${String(index).padStart(2, '0')}`;
          const document: JsonObject = project(name, { tier: index % 3 === 0 ? 'gold' : 'silver', score: index % 5, ...(index % 7 === 0 ? {} : { rank: 30 - index }), labels: { env: index % 2 === 0 ? 'prod' : 'dev' } });
          writes.push({ op: 'put', kind, name, position: position(index + 1), document });
        }
        await store.apply({ writes });
      };

      it('should filter with a MongoDB query, sort by a non-name field with name as tie-break, limit and count the total', async () => {
        const store = await open();
        await seed(store);
        const filter = { tier: 'silver', 'labels.env': 'prod', score: { $gte: 1 } };
        const result = await store.query(kind, { filter, sort: { score: -1 }, limit: 4, countTotal: true });
        const expected = Array.from({ length: 30 }, (_, index) => index)
          .filter((index) => index % 3 !== 0 && index % 2 === 0 && index % 5 >= 1)
          .sort((a, b) => (b % 5) - (a % 5) || a - b)
          .map((index) => `projects/p${String(index).padStart(2, '0')}`);
        expect(result.documents.map((document) => document.name)).to.deep.equal(expected.slice(0, 4));
        expect(result.totalCount).to.equal(expected.length);
        expect(await store.count(kind, filter)).to.equal(expected.length);
      });

      it('should sort missing values first ascending and page with a keyset condition merged into the filter', async () => {
        const store = await open();
        await seed(store);
        const all = (await store.query(kind, { sort: { rank: 1 } })).documents;
        expect(all).to.have.lengthOf(30);
        const missing = all.filter((document) => document.document['rank'] === undefined).map((document) => document.name);
        expect(all.slice(0, missing.length).map((document) => document.name)).to.deep.equal(missing);
        const firstPage = (await store.query(kind, { sort: { rank: 1 }, filter: { rank: { $exists: true } }, limit: 5 })).documents;
        const boundary = at(firstPage, 4);
        const rank = boundary.document['rank'] ?? null;
        const nextPage = (
          await store.query(kind, { sort: { rank: 1 }, filter: { $and: [{ rank: { $exists: true } }, { $or: [{ rank: { $gt: rank } }, { rank, name: { $gt: boundary.name } }] }] }, limit: 5 })
        ).documents;
        const present = all.filter((document) => document.document['rank'] !== undefined);
        expect([...firstPage, ...nextPage].map((document) => document.name)).to.deep.equal(present.slice(0, 10).map((document) => document.name));
      });

      it('should match equality on array elements and inside a top-level $and, and keep it current after applies', async () => {
        const store = await open();
        await store.apply({ writes: [
          { op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/a', { tags: ['x', 'y'], tier: 'gold' }) },
          { op: 'put', kind, name: 'projects/b', position: position(2), document: project('projects/b', { tags: ['y'], tier: 'gold' }) },
          { op: 'put', kind, name: 'projects/c', position: position(3), document: project('projects/c', { tags: 'x', tier: 'silver' }) },
        ] });
        const names = async (filter: Record<string, unknown>): Promise<string[]> => (await store.query(kind, { filter })).documents.map((document) => document.name);
        expect(await names({ tags: 'x' })).to.deep.equal(['projects/a', 'projects/c']);
        expect(await names({ $and: [{ tags: 'y' }, { tier: 'gold' }] })).to.deep.equal(['projects/a', 'projects/b']);
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/b', position: position(4), document: project('projects/b', { tags: ['x'], tier: 'gold' }) }] });
        expect(await names({ tags: 'x', tier: 'gold' })).to.deep.equal(['projects/a', 'projects/b']);
        expect(await store.count(kind, { tags: 'y' })).to.equal(1);
      });

      it('should answer a search phrase the same with and without its hint, and keep the text index current after applies', async () => {
        const store = await open();
        const titles = ['Blue team alpha', 'Apollo rocket', 'blue-team', 'Team Alpha Blue', 'plain', 'Über Apollo'];
        await store.apply({ writes: titles.map((title, index) => {
          const name = `projects/t${index}`;
          return { op: 'put' as const, kind, name, position: position(index + 1), document: project(name, { title }) };
        }) });
        const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const search = async (phrase: string): Promise<{ hinted: string[]; plain: string[]; counted: number }> => {
          const filter = { $or: ['name', 'title'].map((field) => ({ [field]: { $regex: escape(phrase), $options: 'i' } })) };
          const hint = { phrase: { text: phrase, fields: ['name', 'title'] } };
          const hinted = (await store.query(kind, { filter, ...hint })).documents.map((document) => document.name);
          const plain = (await store.query(kind, { filter })).documents.map((document) => document.name);
          return { hinted, plain, counted: await store.count(kind, filter, hint) };
        };
        const expected = (phrase: string, all: readonly string[]): string[] =>
          all.flatMap((title, index) => (title.toLowerCase().includes(phrase.toLowerCase()) || `projects/t${index}`.includes(phrase.toLowerCase()) ? [`projects/t${index}`] : []));
        for (const phrase of ['pol', 'team alpha', 'blue team alpha', 'TEAM', '-', 'über', 'nothing here', 't1']) {
          const found = await search(phrase);
          expect(found.hinted, phrase).to.deep.equal(expected(phrase, titles));
          expect(found.plain, phrase).to.deep.equal(found.hinted);
          expect(found.counted, phrase).to.equal(found.hinted.length);
        }
        // The index follows changes: a renamed title is found by its new words only.
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/t4', position: position(20), document: project('projects/t4', { title: 'Apollo two' }) }] });
        const renamed = ['Blue team alpha', 'Apollo rocket', 'blue-team', 'Team Alpha Blue', 'Apollo two', 'Über Apollo'];
        expect((await search('apollo')).hinted).to.deep.equal(expected('apollo', renamed));
        expect((await search('plain')).hinted).to.deep.equal([]);
      });

      it('should sort a rare equality match by the requested order', async () => {
        const store = await open();
        await store.apply({ writes: Array.from({ length: 40 }, (_, index) => {
          const name = `projects/r${String(index).padStart(2, '0')}`;
          return { op: 'put' as const, kind, name, position: position(index + 1), document: project(name, { owner: index % 20 === 3 ? 'rare' : 'common', score: index % 7 }) };
        }) });
        const result = await store.query(kind, { filter: { owner: 'rare', score: { $gte: 0 } }, sort: { score: -1 }, countTotal: true });
        expect(result.documents.map((document) => document.name)).to.deep.equal(['projects/r03', 'projects/r23']);
        expect(result.totalCount).to.equal(2);
      });

      it('should reflect applies in later queries with the same sort', async () => {
        const store = await open();
        await seed(store);
        expect((await store.query(kind, { sort: { score: 1 }, limit: 1 })).documents.map((document) => document.name)).to.deep.equal(['projects/p00']);
        await store.apply({ writes: [
          { op: 'put', kind, name: 'projects/p00', position: position(100), document: project('projects/p00', { score: 9 }) },
          { op: 'put', kind, name: 'projects/zz', position: position(101), document: project('projects/zz', { score: -1 }) },
          { op: 'delete', kind, name: 'projects/p05', position: position(102) },
        ] });
        const result = await store.query(kind, { sort: { score: 1 }, countTotal: true });
        expect(result.documents[0]?.name).to.equal('projects/zz');
        expect(result.documents[result.documents.length - 1]?.name).to.equal('projects/p00');
        expect(result.totalCount).to.equal(30);
        expect(result.documents.map((document) => document.name)).to.not.include('projects/p05');
      });
    });

    describe('checkpoints', () => {
      it('should store the projector checkpoint with the batch, and rewind it when told', async () => {
        const store = await open();
        expect(await store.checkpoint('main')).to.equal(undefined);
        await store.apply({ writes: [], checkpoint: { projector: 'main', position: position(9) } });
        expect(await store.checkpoint('main')).to.equal(position(9));
        await store.apply({ writes: [], checkpoint: { projector: 'main', position: position(3) } });
        expect(await store.checkpoint('main')).to.equal(position(3));
        expect(await store.checkpoint('other')).to.equal(undefined);
      });
    });

    describe('change log', () => {
      it('should record before and after of each applied write and tail them in position order, then live', async () => {
        const store = await open();
        expect(await store.head()).to.equal('');
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/a', position: position(1), document: project('projects/a', { v: 1 }) }] });
        await store.apply({ writes: [
          { op: 'put', kind, name: 'projects/a', position: position(2), document: project('projects/a', { v: 2 }) },
          { op: 'put', kind, name: 'projects/b', position: position(2), document: project('projects/b') },
        ] });
        expect(await store.head()).to.equal(position(2));
        const feed = store.changesSince(position(1));
        const iterator = feed[Symbol.asyncIterator]();
        try {
          const first = await takeEntries(iterator, 2);
          expect(first.map(({ position: at, kind: k, name, before, after }) => ({ at, k, name, before, after }))).to.deep.equal([
            { at: position(2), k: kind, name: 'projects/a', before: project('projects/a', { v: 1 }), after: project('projects/a', { v: 2 }) },
            { at: position(2), k: kind, name: 'projects/b', before: null, after: project('projects/b') },
          ]);
          await store.apply({ writes: [{ op: 'delete', kind, name: 'projects/b', position: position(3) }] });
          const live = await takeEntries(iterator, 1);
          expect(live).to.have.lengthOf(1);
          expect(live[0]).to.include({ position: position(3), name: 'projects/b', after: null });
          expect(live[0]?.before).to.deep.equal(project('projects/b'));
        } finally {
          await feed.close();
        }
      });

      it('should never show a head the documents have not reached (snapshot = head, then query)', async () => {
        const store = await open();
        await store.query(kind); // load the kind, as a live server has
        const violations: string[] = [];
        for (let round = 1; round <= 40; round++) {
          const name = `projects/r${round}`;
          let done = false;
          const applying = store
            .apply({ writes: [{ op: 'put', kind, name, position: position(round), document: project(name) }] })
            .finally(() => {
              done = true;
            });
          // Poll while the apply is in flight: whenever the head shows the write, a query must too.
          while (!done) {
            const head = await store.head();
            const names = (await store.query(kind)).documents.map((stored) => stored.name);
            if (head === position(round) && !names.includes(name)) violations.push(`${name} at head ${head}`);
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          await applying;
        }
        expect(violations).to.deep.equal([]);
      });

      it('should never split the entries of one position across batches', async () => {
        const store = await open();
        const writes = Array.from({ length: 600 }, (_, index) => ({ op: 'put' as const, kind, name: `projects/n${index}`, position: position(1), document: project(`projects/n${index}`) }));
        await store.apply({ writes });
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/last', position: position(2), document: project('projects/last') }] });
        const feed = store.changesSince('');
        try {
          const next = await withDeadline(feed[Symbol.asyncIterator]().next(), DEADLINE_MS, 'the first batch');
          const batch = next.done === true ? [] : next.value;
          expect(batch.filter((entry) => entry.position === position(1))).to.have.lengthOf(600);
        } finally {
          await feed.close();
        }
      });

      it('should end a feed waiting for live changes when closed', async () => {
        const store = await open();
        const feed = store.changesSince('');
        const pending = feed[Symbol.asyncIterator]().next();
        await feed.close();
        expect((await withDeadline(pending, DEADLINE_MS, 'the end of a closed feed')).done).to.equal(true);
      });

      it('should prune beyond the entry limit and answer older positions with EXPIRED', async () => {
        const store = await open({ retention: { maxEntries: 5 } });
        for (let sequence = 1; sequence <= 12; sequence += 1) {
          await store.apply({ writes: [{ op: 'put', kind, name: `projects/p${sequence}`, position: position(sequence), document: project(`projects/p${sequence}`) }] });
        }
        const expired = store.changesSince(position(3));
        const error = await expectRejection(expired[Symbol.asyncIterator]().next());
        await expired.close();
        expect(error).to.be.instanceOf(ChangeLogExpiredError).and.to.include({ code: 'OUT_OF_RANGE', reason: 'EXPIRED' });
        const fromStart = store.changesSince('');
        expect(await expectRejection(fromStart[Symbol.asyncIterator]().next())).to.be.instanceOf(ChangeLogExpiredError);
        await fromStart.close();
        const retained: ChangeFeed = store.changesSince(position(7));
        try {
          const entries = await takeEntries(retained[Symbol.asyncIterator](), 5);
          expect(entries.map((entry) => entry.position)).to.deep.equal([8, 9, 10, 11, 12].map(position));
        } finally {
          await retained.close();
        }
        expect(await store.head()).to.equal(position(12));
      });

      it('should prune entries older than the age limit and answer their positions with EXPIRED', async () => {
        let now = 1_000_000;
        const store = await open({ retention: { maxAgeMs: 60_000 }, now: () => now });
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/old', position: position(1), document: project('projects/old') }] });
        now += 120_000;
        await store.apply({ writes: [{ op: 'put', kind, name: 'projects/new', position: position(2), document: project('projects/new') }] });
        const expired = store.changesSince('');
        expect(await expectRejection(expired[Symbol.asyncIterator]().next())).to.be.instanceOf(ChangeLogExpiredError);
        await expired.close();
        const retained = store.changesSince(position(1));
        try {
          expect((await takeEntries(retained[Symbol.asyncIterator](), 1)).map((entry) => entry.name)).to.deep.equal(['projects/new']);
        } finally {
          await retained.close();
        }
      });
    });
  });
}
