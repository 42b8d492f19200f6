/**
 * SQL LIKE patterns as regular expressions.
 */
import { escapeRegex } from '../names/nameRegex.js';

/**
 * An anchored regex source for a LIKE pattern: `%` is any run of characters, `_` exactly one,
 * and a backslash makes the next character literal (`\%`, `\_`, `\\`). `[\s\S]` rather than `.`
 * so that newlines match too, in JavaScript and in MongoDB alike, without regex options.
 */
export function likeRegex(pattern: string): string {
  let source = '^';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) {
      source += escapeRegex(pattern[++index] as string);
    } else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegex(char);
  }
  return `${source}$`;
}
