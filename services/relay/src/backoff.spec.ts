import { expect } from 'chai';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000 };

  describe('when called with growing attempts', () => {
    it('should double from the initial delay up to the cap, half of it jittered', () => {
      expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, () => 1))).to.deep.equal([100, 200, 400, 800, 1_000, 1_000]);
      expect([1, 2, 3].map((attempt) => backoffDelay(policy, attempt, () => 0))).to.deep.equal([50, 100, 200]);
    });
  });
});
