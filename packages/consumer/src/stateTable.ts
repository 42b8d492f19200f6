/**
 * One table of a consumer's state: string keys to plain values, read from memory, every change
 * remembered until the consumer's state store writes it together with the checkpoint. Values are
 * treated as immutable: to change one, set a new value (a value mutated in place is not seen).
 */

/** A value of {@link StateTable}: JSON-like data (stored with msgpack). */
export type StateValue = string | number | boolean | null | readonly StateValue[] | { readonly [key: string]: StateValue };

/** A key → value table held in memory and written with the consumer's checkpoint. */
export class StateTable<V extends StateValue> implements Iterable<[string, V]> {
  private readonly rows: Map<string, V>;
  /** Keys changed since the last write: the new value, or undefined for a deletion. */
  private changed = new Map<string, V | undefined>();

  /** A table named `name` holding `rows` as stored. */
  constructor(
    readonly name: string,
    rows: Iterable<readonly [string, V]> = [],
  ) {
    this.rows = new Map(rows);
  }

  get size(): number {
    return this.rows.size;
  }

  get(key: string): V | undefined {
    return this.rows.get(key);
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  set(key: string, value: V): void {
    this.rows.set(key, value);
    this.changed.set(key, value);
  }

  delete(key: string): boolean {
    if (!this.rows.delete(key)) return false;
    this.changed.set(key, undefined);
    return true;
  }

  keys(): IterableIterator<string> {
    return this.rows.keys();
  }

  values(): IterableIterator<V> {
    return this.rows.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.rows.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.rows.entries();
  }

  /** Hands out the changes since the last call and forgets them (see {@link restoreChanges}). */
  takeChanges(): Map<string, V | undefined> {
    const taken = this.changed;
    this.changed = new Map();
    return taken;
  }

  /** Puts back changes whose write failed, unless the key changed again since. */
  restoreChanges(changes: ReadonlyMap<string, V | undefined>): void {
    for (const [key, value] of changes) if (!this.changed.has(key)) this.changed.set(key, value);
  }

  /** Whether something changed since the last {@link takeChanges}. */
  get dirty(): boolean {
    return this.changed.size > 0;
  }
}
