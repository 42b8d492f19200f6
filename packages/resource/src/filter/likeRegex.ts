/**
 * SQL LIKE patterns as regular expressions, for MongoDB only (keystream's own evaluation uses
 * {@link likeMatcher}, which cannot backtrack).
 */
import { escapeRegex } from '../names/nameRegex.js';

function segmentSource(segment: string): string {
  let source = '';
  const chars = Array.from(segment);
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] as string;
    if (char === '\\' && index + 1 < chars.length) source += escapeRegex(chars[++index] as string);
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegex(char);
  }
  return source;
}

/** Splits a pattern at its unescaped `%` (runs of them count as one). */
function segmentsOf(pattern: string): string[] {
  const segments: string[] = [];
  let current = '';
  const chars = Array.from(pattern);
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index] as string;
    if (char === '\\' && index + 1 < chars.length) current += char + (chars[++index] as string);
    else if (char === '%') {
      segments.push(current);
      current = '';
    } else current += char;
  }
  segments.push(current);
  return segments;
}

/**
 * An anchored PCRE source for a LIKE pattern that MongoDB evaluates in polynomial time: the first
 * segment is anchored at the start, the last at the end, and each segment between two `%` is
 * matched at its leftmost place inside an atomic group, so the engine never revisits that choice
 * (leftmost is always a right choice for LIKE). Without the atomic groups a pattern such as
 * `%a%a%a%a%b` backtracks exponentially. `[\s\S]` so that newlines match too, without options.
 */
export function likeRegex(pattern: string): string {
  const segments = segmentsOf(pattern).map(segmentSource);
  if (segments.length === 1) return `^${segments[0] as string}$`;
  const first = segments[0] as string;
  const last = segments[segments.length - 1] as string;
  const middle = segments.slice(1, -1).filter((segment) => segment !== '');
  return `^${first}${middle.map((segment) => `(?>[\\s\\S]*?${segment})`).join('')}[\\s\\S]*${last}$`;
}
