/**
 * Parsing and validation of resource names against every name pattern of a kind.
 */
import { KeystreamError, type NamePattern, type ResourceDescriptor } from '@keystream/api';
import { idPatternOfKind } from './idPatternOfKind.js';

/** The wildcard id segment: any id at that position (`projects/-/roleBindings`). */
export const WILDCARD_SEGMENT = '-';

/** A resource name split into its pattern and ids. */
export interface ParsedName {
  readonly kind: string;
  readonly name: string;
  readonly pattern: NamePattern;
  /** Every id of the name by its pattern variable (`project`, `role_binding`, …). */
  readonly ids: Readonly<Record<string, string>>;
  /** The last id segment. */
  readonly id: string;
  /** The parent name ('' for a top-level pattern). */
  readonly parent: string;
}

/** Options of name parsing. */
export interface ParseNameOptions {
  /** Accept `-` as any id (in parents and filter values). Default false. */
  readonly wildcards?: boolean;
  /** The request field reported in errors. Default `name`. */
  readonly field?: string;
}

/** Result of matching parts against a sequence of pattern segments. */
type SegmentMatch = { readonly ids: Record<string, string> } | { readonly problem: string } | undefined;

/** Matches `parts` (collection/id pairs) against `pattern`'s first `pairs` segments. */
export function matchSegments(pattern: NamePattern, parts: readonly string[], pairs: number, wildcards: boolean): SegmentMatch {
  if (parts.length !== pairs * 2) return undefined;
  const ids: Record<string, string> = {};
  for (let index = 0; index < pairs; index++) {
    const segment = pattern.segments[index];
    if (segment === undefined || parts[index * 2] !== segment.collection) return undefined;
  }
  for (let index = 0; index < pairs; index++) {
    const segment = pattern.segments[index];
    const id = parts[index * 2 + 1];
    if (segment === undefined || id === undefined) return undefined;
    if (!(wildcards && id === WILDCARD_SEGMENT) && !idPatternOfKind(segment.kind).test(id)) {
      return { problem: `the ${segment.kind} id "${id}" does not match ${idPatternOfKind(segment.kind).source}` };
    }
    ids[segment.idVariable] = id;
  }
  return { ids };
}

/**
 * Parses `name` as a name of `descriptor`'s kind. Throws INVALID_ARGUMENT naming the patterns
 * expected (and the offending id, when the shape matched but an id did not).
 */
export function parseName(descriptor: ResourceDescriptor, name: string, options: ParseNameOptions = {}): ParsedName {
  const parts = name.split('/');
  const problems: string[] = [];
  for (const pattern of descriptor.namePatterns) {
    const match = matchSegments(pattern, parts, pattern.segments.length, options.wildcards ?? false);
    if (match === undefined) continue;
    if ('problem' in match) {
      problems.push(match.problem);
      continue;
    }
    return {
      kind: descriptor.kind,
      name,
      pattern,
      ids: match.ids,
      id: parts[parts.length - 1] as string,
      parent: parts.slice(0, -2).join('/'),
    };
  }
  const expected = descriptor.namePatterns.map((pattern) => pattern.pattern).join(' or ');
  const reason = problems.length > 0 ? `${problems.join('; ')}; ` : '';
  throw KeystreamError.invalidArgument([
    { field: options.field ?? 'name', description: `${JSON.stringify(name)} is not a valid ${descriptor.kind} name: ${reason}expected ${expected}` },
  ]);
}
