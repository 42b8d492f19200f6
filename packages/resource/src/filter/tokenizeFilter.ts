/**
 * The lexer of the filter language (goten's grammar: identifiers and dotted paths, double-quoted
 * strings with backslash escapes, numbers, comparison operators, punctuation, `--` comments).
 */
import { KeystreamError } from '@keystream/api';

/** A lexical token; `column` is the 1-based character offset in the filter text. */
export interface FilterToken {
  readonly type: 'ident' | 'string' | 'number' | 'operator' | 'punct' | 'eof';
  /** For strings: the unescaped content; otherwise the text as written. */
  readonly value: string;
  readonly column: number;
}

/** An INVALID_ARGUMENT on the `filter` field, saying where and what was expected. */
export function filterError(text: string, column: number, description: string): KeystreamError {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < column - 1 && index < text.length; index++) {
    if (text[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  const where = line === 1 ? `column ${column}` : `line ${line}, column ${column - lineStart}`;
  return KeystreamError.invalidArgument([{ field: 'filter', description: `at ${where}: ${description}` }]);
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_\-/]/;
const DIGIT = /[0-9]/;
const OPERATOR_CHARS = '<>=!';
const PUNCT = '()[]{},:|+';
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'" };

/** Splits filter text into tokens; throws INVALID_ARGUMENT at the first character it cannot read. */
export function tokenizeFilter(text: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  let index = 0;
  const at = (offset = 0): string => text[index + offset] ?? '';
  while (index < text.length) {
    const char = at();
    const column = index + 1;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      index++;
    } else if (char === '-' && at(1) === '-') {
      while (index < text.length && at() !== '\n') index++;
    } else if (char === '"') {
      index++;
      let value = '';
      for (;;) {
        if (index >= text.length) throw filterError(text, column, 'unterminated string: expected a closing "');
        const current = at();
        if (current === '"') break;
        if (current === '\\') {
          const escaped = at(1);
          if (escaped === 'u') {
            const hex = text.slice(index + 2, index + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw filterError(text, index + 1, 'invalid \\u escape: expected four hex digits');
            value += String.fromCharCode(parseInt(hex, 16));
            index += 6;
            continue;
          }
          const replacement = ESCAPES[escaped];
          if (replacement === undefined) throw filterError(text, index + 1, `invalid escape \\${escaped} in string: expected one of \\" \\\\ \\/ \\n \\t \\r \\b \\f \\uXXXX`);
          value += replacement;
          index += 2;
          continue;
        }
        value += current;
        index++;
      }
      index++;
      tokens.push({ type: 'string', value, column });
    } else if (DIGIT.test(char) || char === '.' || ((char === '-' || char === '+') && (DIGIT.test(at(1)) || at(1) === '.'))) {
      const match = /^[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?/.exec(text.slice(index));
      const literal = match?.[0] ?? char;
      if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(literal)) throw filterError(text, column, `invalid number ${literal}`);
      tokens.push({ type: 'number', value: literal, column });
      index += literal.length;
    } else if (IDENT_START.test(char)) {
      let value = '';
      for (;;) {
        while (index < text.length && IDENT_PART.test(at())) value += text[index++] as string;
        // Segments are joined by "." (or "\." as goten also accepts); a segment after a dot may
        // start with a digit, for map keys such as labels.2fa.
        if (at() === '.' && IDENT_PART.test(at(1))) {
          value += '.';
          index++;
        } else if (at() === '\\' && at(1) === '.' && IDENT_PART.test(at(2))) {
          value += '.';
          index += 2;
        } else break;
      }
      tokens.push({ type: 'ident', value, column });
    } else if (OPERATOR_CHARS.includes(char)) {
      let value = '';
      while (index < text.length && OPERATOR_CHARS.includes(at())) value += text[index++] as string;
      tokens.push({ type: 'operator', value, column });
    } else if (PUNCT.includes(char)) {
      tokens.push({ type: 'punct', value: char, column });
      index++;
    } else {
      throw filterError(text, column, `unexpected character ${JSON.stringify(char)}`);
    }
  }
  tokens.push({ type: 'eof', value: '', column: text.length + 1 });
  return tokens;
}
