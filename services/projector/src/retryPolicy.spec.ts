import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { DEFAULT_RETRY_POLICY, backoffDelay, isTransientError, sleep } from './retryPolicy.js';

describe('retryPolicy', () => {
  describe('isTransientError', () => {
    it('should retry unavailability, aborts, timeouts and errors that carry no code', () => {
      for (const code of ['UNAVAILABLE', 'ABORTED', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'INTERNAL', 'UNKNOWN'] as const) {
        expect(isTransientError(new KeystreamError(code, 'x')), code).to.equal(true);
      }
      expect(isTransientError(new Error('ECONNRESET'))).to.equal(true);
    });

    it('should not retry what will fail again', () => {
      for (const code of ['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE', 'DATA_LOSS'] as const) {
        expect(isTransientError(new KeystreamError(code, 'x')), code).to.equal(false);
      }
    });
  });

  describe('backoffDelay', () => {
    it('should double from the initial delay, between half and all of the ceiling, capped', () => {
      const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1_000 };
      expect(backoffDelay(policy, 1, () => 0)).to.equal(50);
      expect(backoffDelay(policy, 1, () => 1)).to.equal(100);
      expect(backoffDelay(policy, 3, () => 1)).to.equal(400);
      expect(backoffDelay(policy, 10, () => 1)).to.equal(1_000);
      expect(backoffDelay(policy, 10, () => 0)).to.equal(500);
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
