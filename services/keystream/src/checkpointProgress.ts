/**
 * Read-your-writes for an api process that runs no projector: the projector runs elsewhere and
 * stores its checkpoint in the shared read store, so progress is that checkpoint. It is polled
 * with the kernel's backoff (5 ms doubling to 100 ms) until it passes the position or the time is
 * up; a timeout is the same UNAVAILABLE (with its retry hint) a local projector answers.
 */
import { positionTimeoutError } from '@keystream/consumer';
import { backoffDelay, comparePositions, sleep, type RetryPolicy } from '@keystream/kernel';
import type { ReadStore } from '@keystream/readstore';
import type { ProjectionProgress } from '@keystream/service-api';

const POLL: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 5, maxDelayMs: 100 };

/** Progress of the projector called `projector`, read from its checkpoint in `readStore`. */
export function checkpointProgress(readStore: Pick<ReadStore, 'checkpoint'>, projector: string): ProjectionProgress {
  return {
    async waitForPosition(position: string, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 1; ; attempt += 1) {
        const reached = (await readStore.checkpoint(projector)) ?? '';
        if (comparePositions(reached, position) >= 0) return;
        const left = deadline - Date.now();
        if (left <= 0) throw positionTimeoutError(position, reached, timeoutMs);
        await sleep(Math.min(backoffDelay(POLL, attempt, () => 1), left));
      }
    },
  };
}
