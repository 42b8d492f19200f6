/**
 * The distinct words of one text index, held in memory as newline-joined strings, so the words
 * containing a phrase word are found with the engine's native substring search (a few
 * milliseconds over a million words) instead of reading the vocabulary from LMDB. A phrase word
 * may be part of a document word ("pol" in "Apollo"), so this is how a one-word search is served.
 *
 * It may hold words no document holds any more (removals are only counted, and the list is
 * rebuilt from the vocabulary once they are half of it): callers check each word found against
 * the vocabulary. It costs about the words' length plus one byte each (Latin-1 strings), which
 * grows with distinct words, not with documents.
 *
 * A word longer than a key part holds is listed as cut (kindIndexes.ts, textWordsOf): what a
 * phrase word would match in its missing end is unknown, so every cut word is among the words
 * containing anything. They are rare (over a thousand bytes of letters and digits in a row).
 */

import { mayBeCutKeyPart } from './indexKey.js';

/** Words per joined chunk: appending rebuilds only the last chunk's string. */
const CHUNK_WORDS = 16_384;

export class WordList {
  private readonly chunks: string[] = [];
  /** Listed words that may be cut from longer ones. */
  private readonly cut = new Set<string>();
  /** Words in the last chunk (a small one is extended rather than followed by another). */
  private lastChunkWords = 0;
  private pending: string[] = [];
  private words = 0;
  private removed = 0;
  private unchecked = 0;

  /** A list of `words` (each once). */
  static of(words: Iterable<string>): WordList {
    const list = new WordList();
    for (const word of words) list.add(word);
    return list;
  }

  /** A word that entered the vocabulary. */
  add(word: string): void {
    if (mayBeCutKeyPart(word)) this.cut.add(word);
    this.pending.push(word);
    this.words += 1;
    if (this.pending.length >= CHUNK_WORDS) this.seal();
  }

  /**
   * A word that may be listed already (a follower learns words from changed documents, not from
   * the vocabulary): kept like any, and once such words outnumber the rest the list counts as
   * stale, so repeats cost at most the list's size again before it is rebuilt.
   */
  addUnchecked(word: string): void {
    this.add(word);
    this.unchecked += 1;
  }

  /** A word that left the vocabulary (it stays listed until a rebuild). */
  remove(): void {
    this.removed += 1;
  }

  /** Whether enough listed words are gone that the list should be rebuilt. */
  get stale(): boolean {
    return (this.removed * 2 > this.words && this.removed > CHUNK_WORDS) || (this.unchecked * 2 > this.words && this.unchecked > CHUNK_WORDS);
  }

  /** Every listed word containing `part` (each once), and every listed word that may be cut. */
  containing(part: string): Set<string> {
    this.seal();
    const found = new Set<string>(this.cut);
    if (part === '' || part.includes('\n')) return found;
    for (const chunk of this.chunks) {
      for (let at = chunk.indexOf(part); at >= 0; at = chunk.indexOf(part, at + 1)) {
        const start = chunk.lastIndexOf('\n', at) + 1;
        const end = chunk.indexOf('\n', at);
        found.add(chunk.slice(start, end < 0 ? chunk.length : end));
        // Go on after this word: another match inside it would name it again.
        if (end < 0) break;
        at = end;
      }
    }
    return found;
  }

  private seal(): void {
    if (this.pending.length === 0) return;
    const joined = this.pending.join('\n');
    if (this.chunks.length > 0 && this.lastChunkWords < CHUNK_WORDS) {
      const last = this.chunks.length - 1;
      this.chunks[last] = `${this.chunks[last] ?? ''}\n${joined}`;
      this.lastChunkWords += this.pending.length;
    } else {
      this.chunks.push(joined);
      this.lastChunkWords = this.pending.length;
    }
    this.pending = [];
  }
}
