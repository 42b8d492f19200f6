/**
 * How keystream retries what fails transiently (a read-store write, a publish to Kafka, a dropped
 * subscription): exponential backoff with equal jitter, bounded or unbounded attempts, and a
 * sleep that a stop can cut short.
 */

/** Retry limits. */
export interface RetryPolicy {
  /** Attempts in all, the first included; `Infinity` retries for ever. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; doubles each time. */
  readonly initialDelayMs: number;
  /** Ceiling of one delay. */
  readonly maxDelayMs: number;
}

/**
 * Transient failures are retried for ever, 100 ms doubling to 10 s: a broker or database restart
 * is ridden out without hammering it and without taking the process down, and recovery is noticed
 * within 10 s of it. Errors that will fail again are never retried (the caller decides which).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, initialDelayMs: 100, maxDelayMs: 10_000 };

/**
 * The delay before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with
 * "equal jitter" (half fixed, half random) so many consumers restarted together do not retry in
 * lockstep.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Waits `ms`, or less if `signal` aborts first; the timer is cleared either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
