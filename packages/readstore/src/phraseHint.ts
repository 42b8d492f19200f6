/**
 * A search phrase handed to the read store as a hint (`QueryOptions.phrase`): the query's filter
 * already holds the exact condition (the phrase, case-insensitively, inside one of `fields`); the
 * hint lets a store narrow to the documents that can match it from a text index instead of
 * testing every document. A hint never changes a result, only how much is read.
 */

/** The phrase and the fields it is matched in. */
export interface PhraseHint {
  readonly text: string;
  readonly fields: readonly string[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text, lower-cased: the runs of letters and digits. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * Words every text holding the phrase holds whole: the pieces of the phrase between two white
 * spaces that are only letters and digits. (The first and last piece may be the end or the start
 * of a longer word of the text; a piece with punctuation may be split differently by a store's
 * tokenizer.) MongoDB's `$text` on a text index without a language (no stemming, no stop words)
 * finds every document holding these words, so it narrows without losing a match.
 */
export function wholeWordsOf(phrase: string): string[] {
  const pieces = phrase.trim().split(/\s+/u);
  return pieces.slice(1, -1).filter((piece) => /^[\p{L}\p{N}]+$/u.test(piece));
}
