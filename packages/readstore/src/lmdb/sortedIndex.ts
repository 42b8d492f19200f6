import { compare, resolve } from 'mingo/util';
import type { JsonObject } from '../readStore.js';
import type { SortKey } from '../normalizeSort.js';

/** An indexed document: its sort-key values, computed once, and the document itself. */
interface IndexEntry {
  readonly name: string;
  readonly values: readonly unknown[];
  readonly document: JsonObject;
}

/**
 * The documents of one kind in one sort order, kept sorted as documents change: binary search
 * to find the slot, one array splice to insert or remove. Values are compared with mingo's
 * MongoDB ordering (missing = null, first ascending), the same ordering the keyset conditions in
 * filters are evaluated with, so page boundaries agree with the index.
 */
export class SortedIndex {
  private readonly entries: IndexEntry[] = [];

  constructor(private readonly keys: readonly SortKey[]) {}

  /** Builds the index over `documents` in one sort. */
  static build(keys: readonly SortKey[], documents: Iterable<JsonObject>): SortedIndex {
    const index = new SortedIndex(keys);
    for (const document of documents) index.entries.push(index.entryOf(document));
    index.entries.sort((a, b) => index.compareEntries(a, b));
    return index;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Adds a document (which must not be indexed already). */
  insert(document: JsonObject): void {
    const entry = this.entryOf(document);
    this.entries.splice(this.lowerBound(entry), 0, entry);
  }

  /** Removes the indexed version of a document, given that same version. */
  remove(document: JsonObject): void {
    const entry = this.entryOf(document);
    const slot = this.lowerBound(entry);
    if (this.entries[slot]?.name === entry.name) this.entries.splice(slot, 1);
  }

  /** Documents with their names, in index order. */
  *documents(): Generator<{ readonly name: string; readonly document: JsonObject }> {
    yield* this.entries;
  }

  /** Orders documents outside the index by this index's order (for small candidate sets). */
  order(documents: readonly JsonObject[]): { readonly name: string; readonly document: JsonObject }[] {
    return documents.map((document) => this.entryOf(document)).sort((a, b) => this.compareEntries(a, b));
  }

  private entryOf(document: JsonObject): IndexEntry {
    const name = document['name'];
    return { name: typeof name === 'string' ? name : '', values: this.keys.map(([path]) => resolve(document, path) ?? null), document };
  }

  /** First slot whose entry is not before `entry`. */
  private lowerBound(entry: IndexEntry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const candidate = this.entries[middle];
      if (candidate !== undefined && this.compareEntries(candidate, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compareEntries(a: IndexEntry, b: IndexEntry): number {
    for (let position = 0; position < this.keys.length; position += 1) {
      const order = compare(a.values[position], b.values[position]);
      if (order !== 0) return order * (this.keys[position]?.[1] ?? 1);
    }
    // Names are unique, so this makes the order total even for a spec without name.
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  }
}
