/**
 * The embedded store's text index for search phrases: per kind and set of phrase fields, the
 * documents under each word (lower-cased run of letters and digits) of those fields, kept up to
 * date as documents change.
 *
 * A phrase is a substring search, so a word of the phrase may be only part of a document's word
 * ("pol" in "Apollo"). Every word of a phrase a document holds lies inside one of the document's
 * words, so the candidates for a phrase word are the documents under the indexed words containing
 * it, and for the phrase the intersection over its words (starting from the rarest). That reads
 * the vocabulary (the distinct words, far fewer than documents × text), not the documents; the
 * query's filter still decides on each candidate. A phrase without letters or digits, or whose
 * words are all common, gives no candidate set: the caller walks the kind in order.
 */
import { resolve } from 'mingo/util';
import { wordsOf } from '../phraseHint.js';
import type { JsonObject } from '../readStore.js';

/** Below this many names a candidate set is cheap whatever the kind's size. */
const SMALL_ESTIMATE = 64;

export class TextIndex {
  /** Word → names of the documents holding it in one of the fields. */
  private readonly byWord = new Map<string, Set<string>>();
  /** Documents indexed (the store removes a document's old version before inserting the new one). */
  private documentCount = 0;

  constructor(private readonly fields: readonly string[]) {}

  /** Builds the index over `documents`. */
  static build(fields: readonly string[], documents: Iterable<JsonObject>): TextIndex {
    const index = new TextIndex(fields);
    for (const document of documents) index.insert(document);
    return index;
  }

  /** How many distinct words it holds. */
  get vocabularySize(): number {
    return this.byWord.size;
  }

  /**
   * Names of every document that can hold `phrase` (a superset: the query's condition decides);
   * undefined when the index would not narrow — the phrase has no word, or even its rarest word
   * is under more than a quarter of the documents (and more than a few): walking the kind in
   * order and stopping at the page's end is then as cheap.
   */
  candidates(phrase: string): ReadonlySet<string> | undefined {
    const words = [...new Set(wordsOf(phrase))];
    if (words.length === 0) return undefined;
    // Per phrase word: the indexed words containing it, and how many names they hold at most.
    const matches = words
      .map((word) => {
        const indexed: Set<string>[] = [];
        let estimate = 0;
        for (const [candidate, names] of this.byWord) {
          if (!candidate.includes(word)) continue;
          indexed.push(names);
          estimate += names.size;
        }
        return { indexed, estimate };
      })
      .sort((left, right) => left.estimate - right.estimate);
    const [rarest, ...others] = matches;
    if (rarest === undefined || (rarest.estimate > SMALL_ESTIMATE && rarest.estimate * 4 > this.documentCount)) return undefined;
    const result = new Set<string>();
    for (const names of rarest.indexed) for (const name of names) result.add(name);
    // Narrow by the other words while that costs less than what it saves.
    for (const other of others) {
      if (result.size === 0 || other.estimate > result.size * 4) break;
      const holding = new Set<string>();
      for (const names of other.indexed) for (const name of names) if (result.has(name)) holding.add(name);
      for (const name of result) if (!holding.has(name)) result.delete(name);
    }
    return result;
  }

  insert(document: JsonObject): void {
    const name = document['name'];
    if (typeof name !== 'string') return;
    this.documentCount += 1;
    for (const word of this.wordsOfDocument(document)) {
      let names = this.byWord.get(word);
      if (names === undefined) {
        names = new Set();
        this.byWord.set(word, names);
      }
      names.add(name);
    }
  }

  remove(document: JsonObject): void {
    const name = document['name'];
    if (typeof name !== 'string') return;
    this.documentCount -= 1;
    for (const word of this.wordsOfDocument(document)) {
      const names = this.byWord.get(word);
      names?.delete(name);
      if (names?.size === 0) this.byWord.delete(word);
    }
  }

  private wordsOfDocument(document: JsonObject): Set<string> {
    const words = new Set<string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) for (const element of value) visit(element);
      else if (typeof value === 'string') for (const word of wordsOf(value)) words.add(word);
    };
    for (const field of this.fields) visit(resolve(document, field));
    return words;
  }
}
