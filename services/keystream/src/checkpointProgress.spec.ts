import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { openLmdbReadStore } from '@keystream/readstore';
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

  describe('when the read store shows the apply that stores the checkpoint', () => {
    it('should resolve on that apply, not on the next poll', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'keystream-checkpoint-progress-'));
      const store = openLmdbReadStore({ path: directory });
      try {
        // A poll a minute away: only the apply can end the wait within the test's time.
        const progress = checkpointProgress(store, 'read-model', { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 60_000, maxDelayMs: 60_000 });
        const started = Date.now();
        const waited = progress.waitForPosition('0000000000000003', 10_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.apply({
          writes: [{ op: 'put', kind: 'Group', name: 'projects/p/groups/g', position: '0000000000000003', document: { name: 'projects/p/groups/g' } }],
          checkpoint: { projector: 'read-model', position: '0000000000000003' },
        });
        await waited;
        expect(Date.now() - started).to.be.below(5_000);
      } finally {
        await store.close();
        await rm(directory, { recursive: true, force: true });
      }
    });
  });

  describe('when an apply moves another projector only', () => {
    it('should keep waiting, then time out naming where this one is', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'keystream-checkpoint-progress-'));
      const store = openLmdbReadStore({ path: directory });
      try {
        const progress = checkpointProgress(store, 'read-model');
        const waited = progress.waitForPosition('0000000000000003', 300);
        await store.apply({ writes: [{ op: 'put', kind: 'Group', name: 'projects/p/groups/g', position: '0000000000000003', document: { name: 'projects/p/groups/g' } }], checkpoint: { projector: 'other', position: '0000000000000003' } });
        const error = await waited.then(() => undefined, (failure: unknown) => failure);
        expect(error).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      } finally {
        await store.close();
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
