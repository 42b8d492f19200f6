/**
 * The persistent secondary indexes of one kind in the embedded read store, from the same index
 * specifications the MongoDB adapter creates (`{field: 1|-1, …, name: 1}` and one text index).
 *
 * A sorted index keys each document under its field values (array values once per element, as a
 * MongoDB multikey index) followed by its name; a text index keys it under each word of its text
 * fields. The store writes and removes these keys in the transaction that writes the document.
 */
import { resolve } from 'mingo/util';
import { wordsOf } from '../phraseHint.js';
import type { JsonObject } from '../readStore.js';
import type { SortKey } from '../normalizeSort.js';
import { indexKeyWith, keptAsKeyPart, stringComponent, type KeyPart } from './indexKey.js';

/** An index specification: field paths with a direction, or `'text'` for the text index's fields. */
export type IndexSpecification = Readonly<Record<string, 1 | -1 | 'text'>>;

/**
 * A field path of the embedded store's specifications only: a document's collection, its name up
 * to and including the last `/` (`projects/p1/roleBindings/`). A List under one parent is a name
 * prefix that ends there, so `{[COLLECTION_OF_NAME]: 1, 'metadata.createTime': -1, name: 1}` serves
 * "this parent's documents, newest first" as a walk that stops at the page's end. (`$` cannot begin
 * a resource field, so no document field is shadowed; MongoDB gets no such index.)
 */
export const COLLECTION_OF_NAME = '$collection';

/** The collection part of a name (see {@link COLLECTION_OF_NAME}). */
export function collectionOfName(name: string): string {
  return name.slice(0, name.lastIndexOf('/') + 1);
}

/** A sorted index over some fields, then the name. */
export interface SortedIndexDefinition {
  readonly id: string;
  /** The indexed fields, in key order, without the final `name`. */
  readonly fields: readonly SortKey[];
  /** Key prefix of every entry of this index (kind and id). */
  readonly prefix: Buffer;
}

/** The text index over a kind's phrase fields. */
export interface TextIndexDefinition {
  readonly kind: string;
  readonly id: string;
  readonly fields: readonly string[];
  readonly prefix: Buffer;
}

/** A kind's index definitions. */
export interface KindIndexes {
  readonly kind: string;
  readonly sorted: readonly SortedIndexDefinition[];
  readonly text: TextIndexDefinition | undefined;
}

/** Compiles a kind's specifications (ids are their positions, so the stored set must match: see the store's `indexSet`). */
export function kindIndexesOf(kind: string, specifications: readonly IndexSpecification[]): KindIndexes {
  const sorted: SortedIndexDefinition[] = [];
  let text: TextIndexDefinition | undefined;
  specifications.forEach((specification, position) => {
    const id = String(position);
    const prefix = Buffer.concat([stringComponent(kind), stringComponent(id)]);
    const entries = Object.entries(specification);
    if (entries.some(([, direction]) => direction === 'text')) {
      text = { kind, id, fields: entries.map(([field]) => field), prefix };
      return;
    }
    const fields = entries.filter(([field]) => field !== 'name').map(([field, direction]) => [field, direction === -1 ? -1 : 1] as const);
    // `{name: 1}` alone is the documents' own order: no secondary index needed.
    if (fields.length > 0) sorted.push({ id, fields, prefix });
  });
  return { kind, sorted, text };
}

/** An index entry: its key and the name it leads to. */
export interface IndexEntry {
  readonly key: Buffer;
  readonly name: string;
}

/**
 * The entries of `document` in a sorted index, and whether one of its fields held an array.
 * `nameKey` is the name's key component (`stringComponent(name)`), passed in when a caller keys
 * one document into several indexes.
 */
export function sortedEntriesOf(index: SortedIndexDefinition, name: string, document: JsonObject, nameKey: Buffer = stringComponent(name)): { entries: IndexEntry[]; multikey: boolean } {
  let combinations: KeyPart[][] = [[]];
  let multikey = false;
  for (const [path, direction] of index.fields) {
    const value = path === COLLECTION_OF_NAME ? collectionOfName(name) : resolve(document, path);
    if (!Array.isArray(value)) {
      // One value: every combination grows by the same part (no copies of the others).
      const part = [value ?? null, direction] as const;
      for (const parts of combinations) parts.push(part);
      continue;
    }
    multikey = true;
    const values: unknown[] = value.length === 0 ? [null] : [...new Set(value.map(scalarOrJson))];
    combinations = combinations.flatMap((parts) => values.map((element) => [...parts, [element, direction] as const]));
  }
  const entries = combinations.map((parts) => ({ key: indexKeyWith(index.prefix, parts, nameKey), name }));
  return { entries, multikey };
}

/**
 * The words of `document`'s text fields (lower-cased runs of letters and digits), each as the
 * index keeps it: a word longer than a key part holds is cut (keptAsKeyPart), so the postings,
 * the vocabulary and the word list all name it by the same string, whichever process read it.
 */
export function textWordsOf(index: TextIndexDefinition, document: JsonObject): Set<string> {
  const words = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const element of value) visit(element);
    else if (typeof value === 'string') for (const word of wordsOf(value)) words.add(keptAsKeyPart(word));
  };
  for (const field of index.fields) visit(resolve(document, field));
  return words;
}

/** The key prefix of one word's postings (followed by the names). */
export function wordPrefix(index: TextIndexDefinition, word: string): Buffer {
  return Buffer.concat([index.prefix, stringComponent(word)]);
}

/** A posting's key: the word's prefix ({@link wordPrefix}), then the name's component (`stringComponent(name)`). */
export function postingKey(wordKey: Buffer, nameKey: Buffer): Buffer {
  return Buffer.concat([wordKey, nameKey]);
}

/** Array elements are keyed as themselves when scalar; others by their JSON (deduplicated by it). */
function scalarOrJson(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}
