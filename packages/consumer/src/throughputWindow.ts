/**
 * Events per second over a sliding window, for the throughput gauge. Samples are per batch, so
 * the memory held is bounded by the number of batches committed within one window.
 */

interface Sample {
  readonly at: number;
  readonly events: number;
}

/** Sliding-window rate of events applied. */
export class ThroughputWindow {
  private readonly samples: Sample[] = [];
  private head = 0;
  private sum = 0;

  /**
   * @param windowMs length of the window.
   * @param startedAt when counting began: until a whole window has passed, the rate is taken over
   *   the time since then, so a fresh consumer does not under-report.
   */
  constructor(
    private readonly windowMs: number,
    private readonly startedAt: number,
  ) {}

  /** Records `events` applied at time `at` (ms, same clock as every other call). */
  record(at: number, events: number): void {
    this.samples.push({ at, events });
    this.sum += events;
    this.evict(at);
  }

  /** Events per second over the window ending at `now`. */
  rate(now: number): number {
    this.evict(now);
    const span = Math.min(this.windowMs, now - this.startedAt);
    return span <= 0 ? 0 : (this.sum * 1000) / span;
  }

  private evict(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.samples.length) {
      const sample = this.samples[this.head];
      if (sample === undefined || sample.at > cutoff) break;
      this.sum -= sample.events;
      this.head += 1;
    }
    // Compact now and then instead of shifting on every eviction (shift is O(n)).
    if (this.head > 1024 && this.head * 2 > this.samples.length) {
      this.samples.splice(0, this.head);
      this.head = 0;
    }
  }
}
