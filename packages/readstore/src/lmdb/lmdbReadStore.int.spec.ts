import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
