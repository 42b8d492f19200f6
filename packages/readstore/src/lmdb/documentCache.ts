/**
 * A least-recently-used cache of decoded documents within a byte budget, so hot documents (the
 * ones Gets, watches and the projector's before-images keep asking for) skip LMDB's decoding while
 * memory stays bounded whatever the number of documents. Sizes are estimates of the decoded
 * object (strings at two bytes a character plus per-value overhead), not exact heap figures.
 */
import type { JsonObject } from '../readStore.js';
import type { Position } from '../position.js';

/** A cached document version. */
export interface CachedDocument {
  readonly position: Position;
  readonly document: JsonObject;
}

interface Slot {
  readonly value: CachedDocument;
  readonly bytes: number;
}

/** Overhead per value (object slot, pointer) in the estimate. */
const VALUE_OVERHEAD = 16;

export class DocumentCache {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The cached version (a copy the caller may change), or undefined. */
  get(key: string): CachedDocument | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.slots.delete(key);
    this.slots.set(key, slot);
    return { position: slot.value.position, document: structuredClone(slot.value.document) };
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Caches a version (the cache keeps its own copy); one larger than the whole budget is not kept. */
  set(key: string, value: CachedDocument): void {
    this.delete(key);
    if (this.budgetBytes <= 0) return;
    const bytes = estimateBytes(value.document) + key.length * 2 + VALUE_OVERHEAD * 4;
    if (bytes > this.budgetBytes) return;
    this.slots.set(key, { value: { position: value.position, document: structuredClone(value.document) }, bytes });
    this.bytes += bytes;
    for (const [oldest, slot] of this.slots) {
      if (this.bytes <= this.budgetBytes) break;
      this.slots.delete(oldest);
      this.bytes -= slot.bytes;
    }
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.bytes -= slot.bytes;
  }

  clear(): void {
    this.slots.clear();
    this.bytes = 0;
  }

  /** Estimated bytes held. */
  get size(): number {
    return this.bytes;
  }

  get entries(): number {
    return this.slots.size;
  }
}

function estimateBytes(value: unknown): number {
  if (typeof value === 'string') return VALUE_OVERHEAD + value.length * 2;
  if (Array.isArray(value)) return value.reduce<number>((total, element) => total + estimateBytes(element), VALUE_OVERHEAD);
  if (typeof value === 'object' && value !== null) {
    let total = VALUE_OVERHEAD;
    for (const [key, element] of Object.entries(value)) total += key.length * 2 + estimateBytes(element);
    return total;
  }
  return VALUE_OVERHEAD;
}
