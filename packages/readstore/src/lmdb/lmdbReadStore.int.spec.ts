import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describeReadStoreContract } from '../testing/readStoreContract.js';
import { openLmdbReadStore } from './lmdbReadStore.js';

describeReadStoreContract({
  name: 'embedded LMDB',
  async create(options) {
    const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
    const store = openLmdbReadStore({ path, ...options });
    return {
      store,
      async dispose() {
        await store.close();
        await rm(path, { recursive: true, force: true });
      },
    };
  },
});

/** Indexes on the fields the contract's documents hold, so the same suite runs index-served. */
const CONTRACT_INDEXES = [{ tier: 1, name: 1 }, { score: -1, name: 1 }, { rank: 1, name: 1 }, { tags: 1, name: 1 }, { owner: 1, name: 1 }, { 'labels.env': 1, name: 1 }, { name: 'text', title: 'text' }] as const;

describeReadStoreContract({
  name: 'embedded LMDB with persistent indexes and a small document cache',
  async create(options) {
    const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
    const store = openLmdbReadStore({ path, ...options, indexes: () => CONTRACT_INDEXES, cacheBytes: 4 * 1024 });
    return {
      store,
      async dispose() {
        await store.close();
        await rm(path, { recursive: true, force: true });
      },
    };
  },
});

describe('LmdbReadStore on disk', () => {
  const longName = (index: number): string => `projects/p-${index}/regions/europe-west/serviceAccounts/${'agent-'.repeat(8)}${index}`;

  describe('having documents whose names are long (keys over 64 bytes)', () => {
    it('should list them and replay their changes after a reopen', async () => {
      const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
      try {
        const writer = openLmdbReadStore({ path });
        await writer.apply({
          writes: [0, 1, 2].map((index) => ({
            op: 'put' as const,
            kind: 'ServiceAccount',
            name: longName(index),
            position: `000000000000000${index + 1}`,
            document: { name: longName(index) },
          })),
        });
        await writer.close();

        const reader = openLmdbReadStore({ path });
        try {
          const listed = await reader.query('ServiceAccount');
          expect(listed.documents.map((stored) => stored.name)).to.deep.equal([0, 1, 2].map(longName));
          expect(await reader.count('ServiceAccount')).to.equal(3);
          const feed = reader.changesSince('');
          const iterator = feed[Symbol.asyncIterator]();
          const first = await iterator.next();
          await feed.close();
          expect((first.value as { name: string }[]).map((entry) => entry.name)).to.deep.equal([0, 1, 2].map(longName));
        } finally {
          await reader.close();
        }
      } finally {
        await rm(path, { recursive: true, force: true });
      }
    });
  });
});

describe('LmdbReadStore reading values an earlier version wrote', () => {
  it('should read documents and changes stored as msgpack records (lmdb-js\'s default encoding) as it reads its own plain maps', async () => {
    const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-records-'));
    try {
      const document = { name: 'groups/g1', displayName: 'first', metadata: { labels: { team: 'a' }, createTime: '2026-01-02T03:04:05Z' }, members: [{ x: 1 }, { x: 2, y: 'z' }] };
      const writer = openLmdbReadStore({ path });
      await writer.apply({ writes: [{ op: 'put', kind: 'Group', name: 'groups/g1', position: '0000000000000001', document }] });
      await writer.close();
      // Every value of both databases written again the way an earlier version did: as records.
      const raw = open({ path, maxDbs: 12, compression: false });
      for (const name of ['documents', 'changes']) {
        const plain = raw.openDB<unknown, string>({ name, useRecords: false } as { name: string });
        const records = raw.openDB<unknown, string>({ name });
        const keys = [...plain.getKeys()].filter((key) => typeof key === 'string');
        expect(keys).to.not.deep.equal([]);
        for (const key of keys) {
          const before = plain.getBinary(key);
          records.putSync(key, plain.get(key));
          expect(Buffer.compare(records.getBinary(key) as Buffer, before as Buffer), `${name} ${key} re-encoded`).to.not.equal(0);
        }
      }
      await raw.close();

      const reader = openLmdbReadStore({ path });
      try {
        expect((await reader.query('Group')).documents.map((stored) => stored.document)).to.deep.equal([document]);
        const feed = reader.changesSince('');
        const first = await feed[Symbol.asyncIterator]().next();
        await feed.close();
        expect((first.value as { after: unknown }[]).map((entry) => entry.after)).to.deep.equal([document]);
      } finally {
        await reader.close();
      }
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});

describe('LmdbReadStore counts under a wildcard parent', () => {
  // `projects/-` is the name prefix `projects/`: counted per first name segment by every apply.
  const names = (segment: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, offset) => `${segment}/s${from + offset}/roleBindings/b`);
  const put = (name: string, position: number) => ({ op: 'put' as const, kind: 'RoleBinding', name, position: String(position).padStart(16, '0'), document: { name } });
  const remove = (name: string, position: number) => ({ op: 'delete' as const, kind: 'RoleBinding', name, position: String(position).padStart(16, '0') });
  const prefixFilter = (prefix: string) => ({ name: { $regex: `^${prefix}` } });

  describe('having creates, deletes, re-creates and updates in and across batches, then a reopen', () => {
    it('should count the names of each first segment as a query lists them', async () => {
      const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
      try {
        let position = 0;
        const store = openLmdbReadStore({ path });
        await store.apply({ writes: [...names('projects', 0, 30), ...names('organizations', 0, 7)].map((name) => put(name, (position += 1))) });
        // Deleted, one deleted twice, one re-created in the same batch, two updated (counted once).
        const [a, b, c, d] = names('projects', 0, 4) as [string, string, string, string];
        await store.apply({ writes: [remove(a, (position += 1)), remove(b, (position += 1)), remove(b, (position += 1)), remove(c, (position += 1)), put(c, (position += 1)), put(d, (position += 1)), put(d, (position += 1))] });
        await store.apply({ writes: [remove('projects/never/roleBindings/b', (position += 1)), put(a, (position += 1)), ...names('organizations', 0, 3).map((name) => remove(name, (position += 1)))] });
        const expectCounts = async (reader: typeof store): Promise<void> => {
          for (const prefix of ['projects/', 'organizations/', 'services/', 'projects/s1']) {
            const listed = await reader.query('RoleBinding', { filter: prefixFilter(prefix), limit: 1_000 });
            expect(await reader.count('RoleBinding', prefixFilter(prefix)), prefix).to.equal(listed.documents.length);
          }
          expect(await reader.count('RoleBinding', prefixFilter('projects/'))).to.equal(29);
          expect(await reader.count('RoleBinding', prefixFilter('organizations/'))).to.equal(4);
        };
        await expectCounts(store);
        await store.close();
        const reopened = openLmdbReadStore({ path });
        try {
          await expectCounts(reopened);
        } finally {
          await reopened.close();
        }
      } finally {
        await rm(path, { recursive: true, force: true });
      }
    });
  });
});

describe('LmdbReadStore reads while an apply commits', () => {
  /** Runs `read` on every turn of the event loop until the apply settles; returns the violations seen. */
  async function readThroughApply(apply: Promise<unknown>, read: () => Promise<string | undefined>): Promise<string[]> {
    let settled = false;
    void apply.finally(() => {
      settled = true;
    });
    const violations: string[] = [];
    while (!settled) {
      const violation = await read();
      if (violation !== undefined) violations.push(violation);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await apply;
    return violations;
  }

  const position = (index: number): string => String(index).padStart(16, '0');

  describe('having a Get, a BatchGet and a first query of a kind during each of many commits', () => {
    it('should never answer a document newer than head() at the time of the answer', async () => {
      const path = await mkdtemp(join(tmpdir(), 'keystream-readstore-'));
      const store = openLmdbReadStore({ path });
      try {
        const violations: string[] = [];
        for (let index = 1; index <= 150; index += 1) {
          const kind = `Kind${index}`;
          const name = `things/t${index}`;
          const apply = store.apply({ writes: [{ op: 'put', kind, name, position: position(index), document: { name } }] });
          violations.push(
            ...(await readThroughApply(apply, async () => {
              const [got, batch, listed] = await Promise.all([store.get(kind, name), store.batchGet(kind, [name]), store.query(kind)]);
              const head = await store.head();
              const seen = [got, ...batch.found, ...listed.documents].filter((stored) => stored !== undefined);
              const ahead = seen.find((stored) => stored.position > head);
              return ahead === undefined ? undefined : `${ahead.name} at ${ahead.position} with head ${head}`;
            })),
          );
        }
        expect(violations).to.deep.equal([]);
      } finally {
        await store.close();
        await rm(path, { recursive: true, force: true });
      }
    });
  });
});
