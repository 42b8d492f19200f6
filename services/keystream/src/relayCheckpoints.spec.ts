import { expect } from 'chai';
import { memoryCheckpointStore } from '@keystream/consumer';
import { relayCheckpoints } from './relayCheckpoints.js';

describe('relayCheckpoints', () => {
  const legacy = { checkpoint: (name: string) => Promise.resolve(name === 'kafka-relay' ? '0000000000000010' : undefined) };

  describe('having no checkpoint of its own yet', () => {
    it('should take over the position the relay left in the read store, and store the next one in its own store', async () => {
      const own = memoryCheckpointStore();
      const store = relayCheckpoints(own, legacy, 'kafka-relay');
      expect(await store.load()).to.equal('0000000000000010');
      expect(own.position, 'copied when taken over').to.equal('0000000000000010');
      await store.save('0000000000000012');
      expect(own.position).to.equal('0000000000000012');
    });
  });

  describe('having a checkpoint of its own', () => {
    it('should ignore the read store, whatever it holds (a rebuilt read model holds nothing)', async () => {
      const store = relayCheckpoints(memoryCheckpointStore('0000000000000020'), { checkpoint: () => Promise.resolve(undefined) }, 'kafka-relay');
      expect(await store.load()).to.equal('0000000000000020');
    });
  });
});
