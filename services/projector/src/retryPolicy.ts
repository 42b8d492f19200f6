/**
 * How the projector retries what fails transiently (a read-store write, a dropped subscription):
 * exponential backoff with equal jitter, bounded attempts, and a sleep that stop() can cut short.
 */
import { isKeystreamError, type StatusCode } from '@keystream/api';

/** Retry limits. */
export interface RetryPolicy {
  /** Attempts in all, the first included; `Infinity` retries for ever. Default 8. */
  readonly maxAttempts: number;
  /** Delay before the second attempt; doubles each time. Default 50 ms. */
  readonly initialDelayMs: number;
  /** Ceiling of one delay. Default 5 s. */
  readonly maxDelayMs: number;
}

/** About 11 s of retrying in all before an error is declared fatal. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, initialDelayMs: 50, maxDelayMs: 5_000 };

/**
 * Codes that say "this will fail again": bad arguments, a closed store, corrupt data. Anything
 * else, including errors that are not KeystreamErrors (network errors of a driver), is worth
 * another attempt.
 */
const PERMANENT_CODES: ReadonlySet<StatusCode> = new Set<StatusCode>([
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'OUT_OF_RANGE',
  'DATA_LOSS',
  'UNIMPLEMENTED',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
]);

/** Whether retrying `error` can help. */
export function isTransientError(error: unknown): boolean {
  if (isKeystreamError(error)) return !PERMANENT_CODES.has(error.code);
  return true;
}

/** The delay before attempt `attempt + 1` (attempt counts from 1), with equal jitter (between half and all of the ceiling). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Waits `ms`, or less if `signal` aborts first; the timer is cleared either way. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
