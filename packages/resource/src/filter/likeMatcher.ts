/**
 * SQL LIKE matching in time linear in the value: a bit-parallel simulation of the pattern's
 * automaton (every pattern position is one bit; one step per character of the value), so no
 * pattern and no value can make it backtrack. `%` is any run of characters, `_` exactly one
 * character (a Unicode code point), a backslash makes the next character literal.
 *
 * Cost: one pass over the value, ⌈(pattern positions + 1) / 32⌉ word operations per character.
 */

/** One position of a compiled pattern. */
type Token = { readonly kind: 'char'; readonly char: string } | { readonly kind: 'one' } | { readonly kind: 'any' };

/** The pattern's tokens, consecutive `%` collapsed (they mean the same as one). */
function tokensOf(pattern: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(pattern);
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] as string;
    if (char === '\\' && index + 1 < chars.length) tokens.push({ kind: 'char', char: chars[++index] as string });
    else if (char === '%') {
      if (tokens[tokens.length - 1]?.kind !== 'any') tokens.push({ kind: 'any' });
    } else if (char === '_') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char });
  }
  return tokens;
}

/**
 * A LIKE pattern's literal runs (the text between wildcards, unescaped) and how it starts and
 * ends: an index can serve the literal prefix of a pattern that starts with one, and a text index
 * can look for the words inside the runs.
 */
export interface LikeShape {
  /** The literal runs, in order. */
  readonly runs: readonly string[];
  /** The literal text before the first wildcard ('' when the pattern starts with one). */
  readonly prefix: string;
  /** What follows the prefix: nothing, exactly one `%`, or anything else. */
  readonly afterPrefix: 'nothing' | 'anything' | 'more';
}

/** The shape of a LIKE pattern, from the same tokens the matcher runs on. */
export function likeShape(pattern: string): LikeShape {
  const tokens = tokensOf(pattern);
  const runs: string[] = [];
  let run = '';
  for (const token of tokens) {
    if (token.kind === 'char') {
      run += token.char;
      continue;
    }
    if (run !== '') runs.push(run);
    run = '';
  }
  if (run !== '') runs.push(run);
  const firstWildcard = tokens.findIndex((token) => token.kind !== 'char');
  const prefix = tokens[0]?.kind === 'char' ? (runs[0] ?? '') : '';
  const afterPrefix = firstWildcard < 0 ? 'nothing' : firstWildcard === tokens.length - 1 && tokens[firstWildcard]?.kind === 'any' ? 'anything' : 'more';
  return { runs, prefix, afterPrefix };
}

/** A compiled LIKE pattern: `test(value)` is true when the whole value matches. */
export interface LikeMatcher {
  readonly pattern: string;
  test(value: string): boolean;
}

/**
 * Compiles a LIKE pattern. State i (bit i) means "the first i tokens matched"; a character moves
 * state i to i+1 when token i+1 accepts it, and keeps state i when token i+1 is `%`, which can
 * also be skipped without consuming anything.
 */
export function likeMatcher(pattern: string): LikeMatcher {
  const tokens = tokensOf(pattern);
  const states = tokens.length + 1;
  const words = Math.ceil(states / 32);
  const set = (mask: Uint32Array, bit: number): void => {
    mask[bit >>> 5] = ((mask[bit >>> 5] as number) | (1 << (bit & 31))) >>> 0;
  };
  // advanceOn[c]: states i whose next token accepts c; anyAdvance: those accepting any character.
  const anyAdvance = new Uint32Array(words);
  const stay = new Uint32Array(words);
  const literalStates = new Map<string, number[]>();
  tokens.forEach((token, index) => {
    if (token.kind === 'one') set(anyAdvance, index);
    else if (token.kind === 'any') set(stay, index);
    else literalStates.set(token.char, [...(literalStates.get(token.char) ?? []), index]);
  });
  const advanceOn = new Map<string, Uint32Array>();
  for (const [char, indexes] of literalStates) {
    const mask = Uint32Array.from(anyAdvance);
    for (const index of indexes) set(mask, index);
    advanceOn.set(char, mask);
  }
  const acceptWord = (states - 1) >>> 5;
  const acceptBit = 1 << ((states - 1) & 31);

  /** state |= (state & stay) << 1: a `%` may match nothing (runs of % are collapsed, so once is enough). */
  const closeOverSkips = (state: Uint32Array): void => {
    let carry = 0;
    for (let word = 0; word < words; word++) {
      const skipping = (state[word] as number) & (stay[word] as number);
      const shifted = ((skipping << 1) | carry) >>> 0;
      carry = skipping >>> 31;
      state[word] = ((state[word] as number) | shifted) >>> 0;
    }
  };

  return {
    pattern,
    test(value: string): boolean {
      let state = new Uint32Array(words);
      let next = new Uint32Array(words);
      state[0] = 1;
      closeOverSkips(state);
      for (const char of value) {
        const advance = advanceOn.get(char) ?? anyAdvance;
        let carry = 0;
        let alive = 0;
        for (let word = 0; word < words; word++) {
          const current = state[word] as number;
          const moving = current & (advance[word] as number);
          const result = (((moving << 1) | carry) | (current & (stay[word] as number))) >>> 0;
          carry = moving >>> 31;
          next[word] = result;
          alive |= result;
        }
        if (alive === 0) return false;
        closeOverSkips(next);
        [state, next] = [next, state];
      }
      return ((state[acceptWord] as number) & acceptBit) !== 0;
    },
  };
}
