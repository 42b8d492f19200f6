/**
 * A set whose members are dealt round robin into a fixed number of slices, so that periodic work
 * over every member can be done one slice per tick instead of all at once.
 *
 * Why: the watch engine hands every idle watch a fresh resume token once per progress interval.
 * Done in one tick, 10,000 watches each send a frame in the same turn of the event loop, and every
 * change arriving then waits behind that burst (the write → frame p99 of the 10k-watcher bench
 * was this burst). Dealt over slices, each tick does a share of it.
 *
 * A member joins its slice as fresh and is first visited at the slice's second visit after it
 * joined: one to two rounds after it joined, never in the tick right after (a watch opened just
 * before its slice comes up would otherwise get its periodic frame at once).
 */
interface Slice<T> {
  /** Members visited at each visit. */
  readonly settled: Set<T>;
  /** Members added since the slice's last visit: visited from its next visit after that. */
  readonly fresh: Set<T>;
}

export class SlicedSet<T> {
  private readonly slices: Slice<T>[];
  private nextSlice = 0;

  constructor(sliceCount: number) {
    if (!Number.isInteger(sliceCount) || sliceCount < 1) throw new RangeError(`a sliced set needs a positive whole number of slices, not ${String(sliceCount)}`);
    this.slices = Array.from({ length: sliceCount }, () => ({ settled: new Set<T>(), fresh: new Set<T>() }));
  }

  get size(): number {
    let size = 0;
    for (const slice of this.slices) size += slice.settled.size + slice.fresh.size;
    return size;
  }

  get sliceCount(): number {
    return this.slices.length;
  }

  /** Adds `member` to the next slice in turn (nothing when it is already a member). */
  add(member: T): void {
    if (this.has(member)) return;
    (this.slices[this.nextSlice] as Slice<T>).fresh.add(member);
    this.nextSlice = (this.nextSlice + 1) % this.slices.length;
  }

  has(member: T): boolean {
    return this.slices.some((slice) => slice.settled.has(member) || slice.fresh.has(member));
  }

  delete(member: T): boolean {
    return this.slices.some((slice) => slice.settled.delete(member) || slice.fresh.delete(member));
  }

  /**
   * Calls `visitor` for the members of slice `index` (modulo the slice count) that were in it at
   * its previous visit; the members added since are visited from its next visit on.
   */
  visit(index: number, visitor: (member: T) => void): void {
    const slice = this.slices[index % this.slices.length] as Slice<T>;
    for (const member of slice.settled) visitor(member);
    for (const member of slice.fresh) slice.settled.add(member);
    slice.fresh.clear();
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const slice of this.slices) {
      yield* slice.settled;
      yield* slice.fresh;
    }
  }
}
