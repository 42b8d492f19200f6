import { expect } from 'chai';
import { ReconnectPolicy } from './reconnectPolicy.js';

describe('ReconnectPolicy', () => {
  describe('having a cut that lasts', () => {
    it('should retry with doubling delays up to 2 s, reconnecting within the budget and offline after it', () => {
      const policy = new ReconnectPolicy(5_000);
      let now = 1_000_000;
      const seen: [number, string][] = [];
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const { delayMs, state } = policy.failed(now, true);
        seen.push([delayMs, state]);
        now += delayMs;
      }
      expect(seen).to.deep.equal([
        [100, 'reconnecting'],
        [200, 'reconnecting'],
        [400, 'reconnecting'],
        [800, 'reconnecting'],
        [1_600, 'reconnecting'],
        // 3.1 s into the cut
        [2_000, 'reconnecting'],
        // 5.1 s: the budget is spent
        [2_000, 'offline'],
        [2_000, 'offline'],
      ]);
    });
  });

  describe('having been connected again', () => {
    it('should start the next cut with a fresh budget and the short delay', () => {
      const policy = new ReconnectPolicy(5_000);
      policy.failed(0, true);
      expect(policy.failed(6_000, true).state).to.equal('offline');
      policy.connected();
      expect(policy.failed(60_000, true)).to.deep.equal({ delayMs: 100, state: 'reconnecting' });
    });
  });

  describe('having a browser without network', () => {
    it('should say offline at once', () => {
      expect(new ReconnectPolicy().failed(0, false).state).to.equal('offline');
    });
  });
});
