/**
 * The first `limit` items of a stream in a given order, holding at most `limit` of them (binary
 * insertion into a sorted array): how an unindexed order is served without loading every match.
 */
export class TopK<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly limit: number,
    private readonly compare: (left: T, right: T) => number,
  ) {}

  offer(item: T): void {
    if (this.limit <= 0) return;
    const full = this.items.length >= this.limit;
    const last = this.items[this.items.length - 1];
    if (full && last !== undefined && this.compare(item, last) >= 0) return;
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.items[middle] as T, item) <= 0) low = middle + 1;
      else high = middle;
    }
    this.items.splice(low, 0, item);
    if (this.items.length > this.limit) this.items.pop();
  }

  /** The kept items, in order. */
  sorted(): T[] {
    return this.items;
  }
}
