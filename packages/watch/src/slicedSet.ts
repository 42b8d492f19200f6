/**
 * A set whose members are dealt round robin into a fixed number of slices, so that periodic work
 * over every member can be done one slice per tick instead of all at once.
 *
 * Why: the watch engine hands every idle watch a fresh resume token once per progress interval.
 * Done in one tick, 10,000 watches each send a frame in the same turn of the event loop, and every
 * change arriving then waits behind that burst (the write → frame p99 of the 10k-watcher bench
 * was this burst). Dealt over slices, each tick does a share of it.
 */
export class SlicedSet<T> {
  private readonly slices: Set<T>[];
  private nextSlice = 0;
  private count = 0;

  constructor(sliceCount: number) {
    if (!Number.isInteger(sliceCount) || sliceCount < 1) throw new RangeError(`a sliced set needs a positive whole number of slices, not ${String(sliceCount)}`);
    this.slices = Array.from({ length: sliceCount }, () => new Set<T>());
  }

  get size(): number {
    return this.count;
  }

  get sliceCount(): number {
    return this.slices.length;
  }

  /** Adds `member` to the next slice in turn (nothing when it is already a member). */
  add(member: T): void {
    if (this.has(member)) return;
    (this.slices[this.nextSlice] as Set<T>).add(member);
    this.nextSlice = (this.nextSlice + 1) % this.slices.length;
    this.count += 1;
  }

  has(member: T): boolean {
    return this.slices.some((slice) => slice.has(member));
  }

  delete(member: T): boolean {
    for (const slice of this.slices) {
      if (slice.delete(member)) {
        this.count -= 1;
        return true;
      }
    }
    return false;
  }

  /** The members of slice `index` (modulo the slice count). */
  slice(index: number): ReadonlySet<T> {
    return this.slices[index % this.slices.length] as Set<T>;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const slice of this.slices) yield* slice;
  }
}
