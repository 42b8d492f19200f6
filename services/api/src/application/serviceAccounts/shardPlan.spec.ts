import { expect } from 'chai';
import { jumpConsistentHash, shardOf } from './shardPlan.js';

describe('shardPlan', () => {
  const accounts = Array.from({ length: 2000 }, (_, index) => `projects/p${index % 7}/regions/eu/serviceAccounts/agent-${index}`);

  describe('shardOf', () => {
    it('should give every account a shard in range, the same one every time, spread over all shards', () => {
      const counts = [0, 0, 0, 0, 0];
      for (const account of accounts) {
        const shard = shardOf(account, { count: 5 });
        expect(shard).to.equal(shardOf(account, { count: 5 }));
        counts[shard] = (counts[shard] ?? 0) + 1;
      }
      // 400 expected per shard; a fair hash stays well within ±25 %.
      for (const count of counts) expect(count).to.be.within(300, 500);
    });

    it('should move only the accounts of the new shard when a shard is added', () => {
      const moved = accounts.filter((account) => shardOf(account, { count: 8 }) !== shardOf(account, { count: 9 }));
      expect(moved.every((account) => shardOf(account, { count: 9 }) === 8)).to.equal(true);
      expect(moved.length).to.be.within(2000 / 9 - 80, 2000 / 9 + 80);
    });

    it('should put everything in shard 0 of one shard', () => {
      expect(jumpConsistentHash(123456789n, 1)).to.equal(0);
    });
  });
});
