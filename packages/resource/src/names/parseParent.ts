/**
 * Parsing of the `parent` of a collection request (List, Watch, Create).
 */
import { KeystreamError, type NamePattern, type ResourceDescriptor } from '@keystream/api';
import { matchSegments } from './parseName.js';

/** A parent name matched to the name pattern whose children it holds. */
export interface ParsedParent {
  readonly parent: string;
  /** The child name pattern this parent belongs to. */
  readonly pattern: NamePattern;
  readonly ids: Readonly<Record<string, string>>;
}

/**
 * Parses `parent` (`''` for top-level collections) for `descriptor`'s collection. `-` wildcards
 * are accepted unless `wildcards` is false (Create needs a concrete parent).
 */
export function parseParent(descriptor: ResourceDescriptor, parent: string, wildcards = true, field = 'parent'): ParsedParent {
  const parts = parent === '' ? [] : parent.split('/');
  const problems: string[] = [];
  for (const pattern of descriptor.namePatterns) {
    const match = matchSegments(pattern, parts, pattern.segments.length - 1, wildcards);
    if (match === undefined) continue;
    if ('problem' in match) {
      problems.push(match.problem);
      continue;
    }
    return { parent, pattern, ids: match.ids };
  }
  const expected = descriptor.namePatterns.map((pattern) => (pattern.parentPattern === '' ? '"" (no parent)' : pattern.parentPattern)).join(' or ');
  const reason = problems.length > 0 ? `${problems.join('; ')}; ` : '';
  throw KeystreamError.invalidArgument([
    { field, description: `${JSON.stringify(parent)} is not a valid parent of ${descriptor.kind}: ${reason}expected ${expected}` },
  ]);
}
