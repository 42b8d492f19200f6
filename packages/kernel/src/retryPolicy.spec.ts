import { expect } from 'chai';
import { DEFAULT_RETRY_POLICY, backoffDelay, sleep } from './retryPolicy.js';

describe('retryPolicy', () => {
  describe('backoffDelay', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1_000 };

    describe('when called with growing attempts', () => {
      it('should double from the initial delay up to the cap, between half and all of the ceiling', () => {
        expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, () => 1))).to.deep.equal([100, 200, 400, 800, 1_000, 1_000]);
        expect([1, 2, 3].map((attempt) => backoffDelay(policy, attempt, () => 0))).to.deep.equal([50, 100, 200]);
        expect(backoffDelay(policy, 10, () => 0)).to.equal(500);
      });
    });
  });

  describe('DEFAULT_RETRY_POLICY', () => {
    it('should retry for ever, never waiting more than 10 s between attempts', () => {
      expect(DEFAULT_RETRY_POLICY.maxAttempts).to.equal(Number.POSITIVE_INFINITY);
      expect(backoffDelay(DEFAULT_RETRY_POLICY, 1_000, () => 1)).to.equal(10_000);
    });
  });

  describe('sleep', () => {
    it('should end early when aborted, leaving no timer behind', async () => {
      const abort = new AbortController();
      const sleeping = sleep(60_000, abort.signal);
      abort.abort();
      await sleeping;
      await sleep(60_000, abort.signal);
    });

    it('should end after the delay', async () => {
      await sleep(1, new AbortController().signal);
    });
  });
});
