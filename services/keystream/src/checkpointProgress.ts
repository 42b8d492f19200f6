/**
 * Read-your-writes for an api process that runs no projector: the projector runs elsewhere and
 * stores its checkpoint in the shared read store, in the same transaction as the documents it
 * applied. So the wait re-reads the checkpoint whenever the read store shows a new apply (its
 * change feed, woken by the other process's commits) and, as a fallback for applies that change no
 * document (a batch of events that project to nothing moves only the checkpoint), on the kernel's
 * backoff (5 ms doubling to 100 ms), until it passes the position or the time is up; a timeout is
 * the same UNAVAILABLE (with its retry hint) a local projector answers.
 */
import { positionTimeoutError } from '@keystream/consumer';
import { backoffDelay, comparePositions, sleep, type RetryPolicy } from '@keystream/kernel';
import type { ChangeFeed, ReadStore } from '@keystream/readstore';
import type { ProjectionProgress } from '@keystream/service-api';

const POLL: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 5, maxDelayMs: 100 };

/** What the wait reads: the checkpoint, and (optionally) the change feed that says when to read it again. */
export type CheckpointSource = Pick<ReadStore, 'checkpoint'> & Partial<Pick<ReadStore, 'head' | 'changesSince'>>;

/** Progress of the projector called `projector`, read from its checkpoint in `readStore` (`poll`: the fallback's backoff). */
export function checkpointProgress(readStore: CheckpointSource, projector: string, poll: RetryPolicy = POLL): ProjectionProgress {
  const reached = async (): Promise<string> => (await readStore.checkpoint(projector)) ?? '';
  return {
    async waitForPosition(position: string, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      let current = await reached();
      if (comparePositions(current, position) >= 0) return;
      const applies = await appliesOf(readStore);
      try {
        for (let attempt = 1; ; attempt += 1) {
          const left = deadline - Date.now();
          if (left <= 0) throw positionTimeoutError(position, current, timeoutMs);
          const stop = new AbortController();
          // Whichever comes first: the next apply, or the poll's turn.
          await Promise.race([applies.next(), sleep(Math.min(backoffDelay(poll, attempt, () => 1), left), stop.signal)]);
          stop.abort();
          current = await reached();
          if (comparePositions(current, position) >= 0) return;
        }
      } finally {
        applies.close();
      }
    },
  };
}

/** Resolves once per apply the read store shows after it was opened (never, without a change feed). */
interface Applies {
  next(): Promise<void>;
  close(): void;
}

async function appliesOf(readStore: CheckpointSource): Promise<Applies> {
  if (readStore.head === undefined || readStore.changesSince === undefined) return { next: () => new Promise<void>(() => undefined), close: () => undefined };
  const feed: ChangeFeed = readStore.changesSince(await readStore.head());
  const iterator = feed[Symbol.asyncIterator]();
  // One read of the feed at a time: a race lost to the poll keeps its read for the next round.
  let pending: Promise<void> | undefined;
  let ended = false;
  return {
    next(): Promise<void> {
      if (ended) return new Promise<void>(() => undefined);
      pending ??= iterator.next().then(
        (result) => {
          pending = undefined;
          if (result.done === true) ended = true;
        },
        () => {
          // A feed that fails (its start pruned meanwhile) leaves the wait to the poll.
          pending = undefined;
          ended = true;
        },
      );
      return pending;
    },
    close(): void {
      void feed.close();
    },
  };
}
