import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import { PositionWaiters, positionTimeoutError } from './positionWaiters.js';
import { positionAt } from './testing/scriptedEventStore.js';

async function outcome(promise: Promise<void>): Promise<'resolved' | KeystreamError> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (error instanceof KeystreamError) return error;
    throw error;
  }
}

describe('PositionWaiters', () => {
  describe('waitFor', () => {
    describe('when the position is advanced to or past', () => {
      it('should resolve exactly the satisfied waits and keep the others', async () => {
        const waiters = new PositionWaiters();
        const settled: string[] = [];
        const track = (label: string, promise: Promise<void>): Promise<void> =>
          promise.then(
            () => void settled.push(`${label} ok`),
            () => void settled.push(`${label} failed`),
          );
        const first = track('3', waiters.waitFor(positionAt(3), 5_000));
        const second = track('5', waiters.waitFor(positionAt(5), 5_000));
        const third = track('9', waiters.waitFor(positionAt(9), 5_000));
        waiters.advance(positionAt(5));
        await Promise.all([first, second]);
        expect(settled).to.deep.equal(['3 ok', '5 ok']);
        expect(waiters.size).to.equal(1);
        waiters.advance(positionAt(12));
        await third;
        expect(settled).to.deep.equal(['3 ok', '5 ok', '9 ok']);
        expect(waiters.size).to.equal(0);
      });
    });

    it('should resolve at once for the start position and for positions already reached', async () => {
      const waiters = new PositionWaiters();
      await waiters.waitFor('', 0);
      waiters.advance(positionAt(4));
      await waiters.waitFor(positionAt(4), 0);
      await waiters.waitFor(positionAt(2), 0);
      expect(waiters.reached).to.equal(positionAt(4));
    });

    it('should ignore an advance to an earlier position', () => {
      const waiters = new PositionWaiters();
      waiters.advance(positionAt(4));
      waiters.advance(positionAt(2));
      expect(waiters.reached).to.equal(positionAt(4));
    });

    describe('when the timeout passes first', () => {
      it('should reject with UNAVAILABLE, a retry hint and where the read model is, and forget the wait', async () => {
        const waiters = new PositionWaiters();
        waiters.advance(positionAt(1));
        const result = await outcome(waiters.waitFor(positionAt(2), 10));
        expect(result).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
        const error = result as KeystreamError;
        expect(error.message).to.contain(positionAt(2)).and.to.contain(positionAt(1));
        expect(error.headers).to.deep.equal({ 'retry-after': '1' });
        expect(error.details[0]).to.deep.include({ '@type': 'type.googleapis.com/google.rpc.RetryInfo' });
        expect(waiters.size).to.equal(0);
      });

      it('should reject at once for a timeout of zero', async () => {
        const result = await outcome(new PositionWaiters().waitFor(positionAt(2), 0));
        expect(result).to.be.instanceOf(KeystreamError).and.to.include({ code: 'UNAVAILABLE' });
      });
    });
  });

  describe('close', () => {
    it('should reject pending and later unsatisfied waits with the given error, clearing their timers', async () => {
      const waiters = new PositionWaiters();
      waiters.advance(positionAt(3));
      const pending = waiters.waitFor(positionAt(8), 60_000);
      const stopped = new KeystreamError('UNAVAILABLE', 'stopped');
      waiters.close(stopped);
      expect(await outcome(pending)).to.equal(stopped);
      expect(await outcome(waiters.waitFor(positionAt(9), 60_000))).to.equal(stopped);
      expect(await outcome(waiters.waitFor(positionAt(3), 60_000))).to.equal('resolved');
    });
  });

  describe('positionTimeoutError', () => {
    it('should say when the projector has not started', () => {
      expect(positionTimeoutError(positionAt(1), undefined, 100).message).to.contain('has not started');
    });
  });
});
