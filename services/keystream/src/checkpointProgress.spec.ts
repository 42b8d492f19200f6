import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { checkpointProgress } from './checkpointProgress.js';

describe('checkpointProgress', () => {
  describe('when the stored checkpoint reaches the position', () => {
    it('should resolve, having polled the checkpoint until then', async () => {
      const answers = ['', '0000000000000002', '0000000000000005'];
      let reads = 0;
      const progress = checkpointProgress({ checkpoint: () => Promise.resolve(answers[Math.min(reads++, answers.length - 1)]) }, 'read-model');
      await progress.waitForPosition('0000000000000004', 5_000);
      expect(reads).to.equal(3);
    });
  });

  describe('when the time is up first', () => {
    it('should reject with UNAVAILABLE, a retry hint, and where the read model is', async () => {
      const progress = checkpointProgress({ checkpoint: () => Promise.resolve('0000000000000002') }, 'read-model');
      try {
        await progress.waitForPosition('0000000000000009', 30);
        expect.fail('the wait resolved');
      } catch (error) {
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
        expect((error as KeystreamError).message).to.contain('0000000000000009').and.to.contain('0000000000000002');
        expect((error as KeystreamError).headers).to.deep.equal({ 'retry-after': '1' });
      }
    });
  });
});
