import { expect } from 'chai';
import { open } from 'lmdb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract, reopenableFixture } from '../testing/eventStoreContract.js';
import type { NewEvent } from '../eventStore.js';
import { openLmdbEventStore } from './lmdbEventStore.js';

describeEventStoreContract({
  name: 'embedded LMDB',
  async create() {
    const path = await mkdtemp(join(tmpdir(), 'keystream-eventstore-'));
    return reopenableFixture(() => openLmdbEventStore({ path }), {
      location: `lmdb:${path}`,
      cleanUp: () => rm(path, { recursive: true, force: true }),
    });
  },
});

describe('LmdbEventStore reading events an earlier version wrote', () => {
  it('should read events stored as msgpack records (lmdb-js\'s default encoding) as it reads its own plain maps, and append after them', async () => {
    const path = await mkdtemp(join(tmpdir(), 'keystream-eventstore-records-'));
    const event = (id: string, title: string): NewEvent => ({
      id,
      type: 'ProjectCreated',
      data: { project: { name: 'projects/p1', title, metadata: { labels: { team: 'a' } }, services: [{ name: 'a' }, { name: 'b', note: 'c' }] } },
      metadata: { actor: 'user:someone@example.com', requestId: id, correlationId: id, causationId: id, occurredAt: '2026-01-02T03:04:05Z', schema: 1 },
    });
    try {
      const writer = openLmdbEventStore({ path });
      await writer.append('Project-projects/p1', [event('e1', 'first')], 'no_stream');
      const written = await writer.readAll('', 10);
      await writer.close();
      // Every event written again the way an earlier version did: as records.
      const raw = open({ path, maxDbs: 8, compression: false });
      const plain = raw.openDB<unknown, number>({ name: 'events', useRecords: false } as { name: string });
      const records = raw.openDB<unknown, number>({ name: 'events' });
      const keys = [...plain.getKeys()];
      expect(keys).to.have.length(1);
      for (const key of keys) {
        const before = plain.getBinary(key);
        records.putSync(key, plain.get(key));
        expect(Buffer.compare(records.getBinary(key) as Buffer, before as Buffer), 're-encoded').to.not.equal(0);
      }
      await raw.close();

      const reader = openLmdbEventStore({ path });
      try {
        expect(await reader.readAll('', 10)).to.deep.equal(written);
        expect(await reader.readStream('Project-projects/p1')).to.deep.equal(written);
        await reader.append('Project-projects/p1', [event('e2', 'second')], 0);
        expect((await reader.readAll('', 10)).map((recorded) => (recorded.data['project'] as { title: string }).title)).to.deep.equal(['first', 'second']);
      } finally {
        await reader.close();
      }
    } finally {
      await rm(path, { recursive: true, force: true });
    }
  });
});
