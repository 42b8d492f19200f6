/**
 * The embedded store's text index for search phrases: per kind and set of phrase fields, the
 * documents under each word (lower-cased run of letters and digits) of those fields, kept up to
 * date as documents change.
 *
 * A phrase is a substring search, so a word of the phrase may be only part of a document's word
 * ("pol" in "Apollo"). Every word of a phrase a document holds lies inside one of the document's
 * words, so the candidates for a phrase word are the documents under the indexed words containing
 * it, and for the phrase the intersection over its words. That reads the vocabulary (the distinct
 * words, far fewer than documents × text), not the documents; the query's filter still decides on
 * each candidate. A phrase without letters or digits gives no candidates set (the caller scans).
 */
import { resolve } from 'mingo/util';
import { wordsOf } from '../phraseHint.js';
import type { JsonObject } from '../readStore.js';

export class TextIndex {
  /** Word → names of the documents holding it in one of the fields. */
  private readonly byWord = new Map<string, Set<string>>();

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

  /** Names of every document that can hold `phrase`; undefined when the phrase has no word to look up. */
  candidates(phrase: string): ReadonlySet<string> | undefined {
    // Longest words first: they match the fewest indexed words, so the intersection shrinks fastest.
    const words = [...new Set(wordsOf(phrase))].sort((left, right) => right.length - left.length);
    if (words.length === 0) return undefined;
    let result: Set<string> | undefined;
    for (const word of words) {
      const holding = new Set<string>();
      for (const [indexed, names] of this.byWord) {
        if (!indexed.includes(word)) continue;
        for (const name of names) if (result === undefined || result.has(name)) holding.add(name);
      }
      result = holding;
      if (result.size === 0) break;
    }
    return result;
  }

  insert(document: JsonObject): void {
    const name = document['name'];
    if (typeof name !== 'string') return;
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
