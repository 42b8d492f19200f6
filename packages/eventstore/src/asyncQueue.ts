/**
 * A bounded hand-off from a push source (a Node stream's callbacks) to an async iterator.
 * When more than `highWaterMark` items wait, `onHigh` is called (pause the source); when the
 * consumer has drained them below half, `onLow` (resume it). So a slow consumer bounds memory.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private paused = false;

  constructor(
    private readonly highWaterMark: number,
    private readonly onHigh: () => void,
    private readonly onLow: () => void,
  ) {}

  /** Adds an item (ignored after {@link AsyncQueue.end}). */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    if (!this.paused && this.items.length >= this.highWaterMark) {
      this.paused = true;
      this.onHigh();
    }
    this.wake();
  }

  /** Ends the iteration after the queued items. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Ends the iteration with an error after the queued items. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    this.wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        if (this.paused && this.items.length <= this.highWaterMark / 2) {
          this.paused = false;
          this.onLow();
        }
        yield item;
        continue;
      }
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
