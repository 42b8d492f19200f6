/** Retry delays of the relay. */

/** How the relay backs off after a failed publish, checkpoint or subscription. */
export interface BackoffPolicy {
  /** First delay, ms. */
  readonly initialDelayMs: number;
  /** Longest delay, ms; the delay doubles up to it. */
  readonly maxDelayMs: number;
}

/** 100 ms doubling to 30 s: a broker restart is ridden out without hammering it. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 30_000 };

/**
 * The delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so many relays restarted together do not retry in lockstep.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
