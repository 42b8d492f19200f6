/**
 * Read-your-writes for an api process that runs no projector: the projector runs elsewhere and
 * stores its checkpoint in the shared read store, so progress is that checkpoint. It is polled
 * with a growing interval (5 ms up to 100 ms) until it passes the position or the time is up.
 */
import { KeystreamError } from '@keystream/api';
import { comparePositions } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import type { ProjectionProgress } from '@keystream/service-api';
import { setTimeout as sleep } from 'node:timers/promises';

export function checkpointProgress(readStore: ReadStore, projector: string): ProjectionProgress {
  return {
    async waitForPosition(position: string, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let interval = 5;
      for (;;) {
        const reached = (await readStore.checkpoint(projector)) ?? '';
        if (comparePositions(reached, position) >= 0) return;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new KeystreamError('UNAVAILABLE', `the read model has not reached position ${position} within ${timeoutMs} ms (it is at ${reached || 'the start'}); retry`);
        }
        await sleep(Math.min(interval, left));
        interval = Math.min(interval * 2, 100);
      }
    },
  };
}
