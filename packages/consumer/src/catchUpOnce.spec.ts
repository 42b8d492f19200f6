import { expect } from 'chai';
import { catchUpOnce } from './catchUpOnce.js';
import type { ConsumerBatch } from './consumerHandler.js';
import { positionAt } from './testing/scriptedEventStore.js';

interface Logged {
  readonly position: string;
}

describe('catchUpOnce', () => {
  const log = (count: number): { readAll(from: string, limit: number): Promise<Logged[]>; reads: string[] } => {
    const events = Array.from({ length: count }, (_, index) => ({ position: positionAt(index + 1) }));
    const reads: string[] = [];
    return {
      reads,
      readAll(from, limit) {
        reads.push(from);
        return Promise.resolve(events.filter((event) => event.position > from).slice(0, limit));
      },
    };
  };

  describe('having more events than a page', () => {
    it('should hand every event after the position over in pages, in order, and return the last position', async () => {
      const source = log(7);
      const batches: ConsumerBatch<Logged>[] = [];
      const reached = await catchUpOnce(source, { handle: (batch) => Promise.resolve(void batches.push(batch)) }, positionAt(1), 3);
      expect(reached).to.equal(positionAt(7));
      expect(batches.map((batch) => [batch.from, batch.upTo, batch.events.length])).to.deep.equal([
        [positionAt(1), positionAt(4), 3],
        [positionAt(4), positionAt(7), 3],
      ]);
      expect(source.reads).to.deep.equal([positionAt(1), positionAt(4), positionAt(7)]);
    });
  });

  describe('having nothing after the position', () => {
    it('should hand nothing over and return the position it started from', async () => {
      const batches: ConsumerBatch<Logged>[] = [];
      expect(await catchUpOnce(log(2), { handle: (batch) => Promise.resolve(void batches.push(batch)) }, positionAt(2), 10)).to.equal(positionAt(2));
      expect(batches).to.deep.equal([]);
    });
  });
});
