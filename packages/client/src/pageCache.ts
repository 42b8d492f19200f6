/**
 * The client side of a stateful watch: a page kept in order by applying Added/Modified/Removed
 * with their view indexes, committed on `is_current`.
 */
import type { Resource } from './watchCache.js';
import { WatchConsistencyError } from './watchCache.js';

interface PageChange {
  readonly added?: Readonly<Record<string, unknown>> & { readonly viewIndex?: number };
  readonly modified?: Readonly<Record<string, unknown>> & { readonly name?: string; readonly previousViewIndex?: number; readonly viewIndex?: number };
  readonly removed?: { readonly name?: string; readonly viewIndex?: number };
}

/** The page of a stateful watch. */
export class PageCache {
  private items: Resource[] = [];
  private uncommitted: PageChange[] = [];
  prevPageToken: string | undefined;
  nextPageToken: string | undefined;

  constructor(private readonly singular: string) {}

  /** The page in order. */
  get page(): readonly Resource[] {
    return this.items;
  }

  /** Applies one response; returns true when it committed (is_current). */
  apply(response: Readonly<Record<string, unknown>>): boolean {
    if (response['isSoftReset'] === true) {
      this.uncommitted = [];
      return false;
    }
    const changes = response[`${this.singular}Changes`];
    if (Array.isArray(changes)) for (const change of changes) this.uncommitted.push(change as PageChange);
    const tokens = response['pageTokenChange'] as { prevPageToken?: string; nextPageToken?: string } | undefined;
    if (response['isCurrent'] !== true) return false;
    const pending = this.uncommitted;
    this.uncommitted = [];
    for (const change of pending) this.applyChange(change);
    if (tokens !== undefined) {
      this.prevPageToken = tokens.prevPageToken;
      this.nextPageToken = tokens.nextPageToken;
    }
    return true;
  }

  private applyChange(change: PageChange): void {
    const index = (value: number | undefined): number => value ?? 0;
    if (change.added !== undefined) {
      const at = index(change.added.viewIndex);
      if (at > this.items.length) throw new WatchConsistencyError(`Added at ${at} beyond a page of ${this.items.length}`);
      this.items.splice(at, 0, change.added[this.singular] as Resource);
    } else if (change.modified !== undefined) {
      const from = index(change.modified.previousViewIndex);
      if (this.items[from]?.name !== change.modified.name) throw new WatchConsistencyError(`Modified ${String(change.modified.name)} is not at ${from}`);
      this.items.splice(from, 1);
      this.items.splice(index(change.modified.viewIndex), 0, change.modified[this.singular] as Resource);
    } else if (change.removed !== undefined) {
      const at = index(change.removed.viewIndex);
      if (this.items[at]?.name !== change.removed.name) throw new WatchConsistencyError(`Removed ${String(change.removed.name)} is not at ${at}`);
      this.items.splice(at, 1);
    }
  }
}
