import { expect } from 'chai';
import { AsyncQueue } from './asyncQueue.js';

describe('AsyncQueue', () => {
  describe('having a source faster than its consumer', () => {
    it('should pause the source at the high-water mark and resume it once drained below half', async () => {
      const calls: string[] = [];
      const queue = new AsyncQueue<number>(
        4,
        () => calls.push('pause'),
        () => calls.push('resume'),
      );
      for (let index = 0; index < 6; index += 1) queue.push(index);
      queue.end();
      const received: number[] = [];
      for await (const item of queue) {
        received.push(item);
        calls.push(`item ${item}`);
      }
      expect(received).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(calls.slice(0, 1)).to.deep.equal(['pause']);
      expect(calls).to.include('resume');
    });
  });

  describe('when failed', () => {
    it('should deliver queued items, then throw the error', async () => {
      const queue = new AsyncQueue<number>(10, () => undefined, () => undefined);
      queue.push(1);
      queue.fail(new Error('server went away'));
      const received: number[] = [];
      let failure: unknown;
      try {
        for await (const item of queue) received.push(item);
      } catch (error) {
        failure = error;
      }
      expect(received).to.deep.equal([1]);
      expect(failure).to.be.instanceOf(Error).with.property('message', 'server went away');
    });
  });
});
