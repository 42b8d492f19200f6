/**
 * How the console's socket comes back after a cut: attempts with a doubling delay (100 ms up to
 * 2 s, so a restarting server is found again within a couple of seconds), shown as `reconnecting`
 * while the cut is young and as `offline` once it has lasted longer than the budget — attempts go
 * on at the longest delay, so the page comes back by itself when the server does.
 */

/** How long a cut is shown as `reconnecting` before the page says `offline`. */
export const RECONNECT_BUDGET_MS = 5_000;

/** What the header shows while the socket is down. */
export type CutState = 'reconnecting' | 'offline';

/** The delays and states of one connection's reconnect attempts. */
export class ReconnectPolicy {
  private since: number | undefined;
  private delay: number;

  constructor(
    private readonly budgetMs = RECONNECT_BUDGET_MS,
    private readonly firstDelayMs = 100,
    private readonly maxDelayMs = 2_000,
  ) {
    this.delay = firstDelayMs;
  }

  /**
   * The socket closed, or an attempt failed, at `now` (ms): how long to wait before the next
   * attempt, and what to show meanwhile. A browser that knows it has no network is offline at once.
   */
  failed(now: number, online: boolean): { readonly delayMs: number; readonly state: CutState } {
    this.since ??= now;
    const delayMs = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxDelayMs);
    return { delayMs, state: !online || now - this.since >= this.budgetMs ? 'offline' : 'reconnecting' };
  }

  /** A socket is open again: the next cut starts a fresh budget and the short delays. */
  connected(): void {
    this.since = undefined;
    this.delay = this.firstDelayMs;
  }
}
