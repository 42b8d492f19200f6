/**
 * Regular expressions for names with `-` wildcard segments, as MongoDB `$regex` strings.
 */
import { WILDCARD_SEGMENT } from './parseName.js';

/** Escapes text for a regular expression (the same syntax in JavaScript and MongoDB's PCRE). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the name has a `-` wildcard segment. */
export function hasWildcard(name: string): boolean {
  return name.split('/').includes(WILDCARD_SEGMENT);
}

/**
 * An anchored regex source matching every name `name` stands for: each `-` segment matches one
 * segment. A name without wildcards matches only itself.
 */
export function nameRegex(name: string): string {
  return `^${name
    .split('/')
    .map((segment) => (segment === WILDCARD_SEGMENT ? '[^/]+' : escapeRegex(segment)))
    .join('/')}$`;
}
