/**
 * The change-log entries delivered to one watch and not processed yet, in position order. The
 * watch's own loop takes them; the shared tail pushes them synchronously. Bounded by its owner.
 */
import type { ChangeLogEntry } from '@keystream/readstore';

export class EntryQueue {
  private entries: ChangeLogEntry[] = [];
  private progress: string | undefined;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private woken = false;

  /** Entries waiting. */
  get size(): number {
    return this.entries.length;
  }

  /** Nothing queued, no progress mark, nudge or failure pending: the next take() would wait. */
  get idle(): boolean {
    return this.entries.length === 0 && this.progress === undefined && !this.woken && this.failure === undefined;
  }

  push(entries: readonly ChangeLogEntry[]): void {
    for (const entry of entries) this.entries.push(entry);
    this.signal();
  }

  /**
   * Records that every entry up to `position` has been delivered (and so will have been processed
   * once the entries queued now are), waking the watch so it can hand out a newer resume token.
   */
  markProgress(position: string): void {
    this.progress = position;
    this.signal();
  }

  /** The progress mark set since the last call, if any. */
  takeProgress(): string | undefined {
    const progress = this.progress;
    this.progress = undefined;
    return progress;
  }

  /** Makes the next take() throw (after nothing: queued entries are dropped). */
  fail(error: Error): void {
    this.failure ??= error;
    this.entries = [];
    this.signal();
  }

  /**
   * Makes the pending (or the next) take() return at once, with whatever is queued: the watch has
   * something else to look at (its authorization may have changed).
   */
  nudge(): void {
    this.woken = true;
    this.signal();
  }

  /** Ends a pending take() with no entries (the watch is closing). */
  interrupt(): void {
    this.signal();
  }

  /**
   * Everything queued; waits while empty. Returns [] when interrupted, nudged or on a progress mark.
   * Not an async function: an idle watch waits here, and a suspended async frame would be one more
   * generator, promise and context kept per watch for as long as it idles.
   */
  take(): Promise<ChangeLogEntry[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.entries.length > 0 || this.progress !== undefined || this.woken) return Promise.resolve(this.drain());
    return new Promise<ChangeLogEntry[]>((resolve, reject) => {
      this.wake = () => {
        if (this.failure !== undefined) reject(this.failure);
        else resolve(this.drain());
      };
    });
  }

  private drain(): ChangeLogEntry[] {
    this.woken = false;
    const taken = this.entries;
    this.entries = [];
    return taken;
  }

  /** Entries queued now whose position satisfies `include`, removed from the queue (order kept). */
  takeWhile(include: (entry: ChangeLogEntry) => boolean): ChangeLogEntry[] {
    this.throwIfFailed();
    let count = 0;
    while (count < this.entries.length && include(this.entries[count] as ChangeLogEntry)) count += 1;
    return this.entries.splice(0, count);
  }

  /** The entries queued now, left in the queue (order kept). */
  peek(): readonly ChangeLogEntry[] {
    this.throwIfFailed();
    return [...this.entries];
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
