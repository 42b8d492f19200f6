/**
 * google.api.http path templates: parsing and matching.
 *
 * `/v1/{name=projects/*\/roles/*}:watch` has literal segments, variables bound to request fields
 * (`name`, or nested such as `ask_for_challenge.attestation_domain`) whose value spans the segments
 * of their pattern, and an optional custom verb after the last `:`. A variable without a pattern
 * (`{name}`) binds exactly one segment.
 */

/** One segment of a template once variables are expanded: a literal or a `*` wildcard. */
export type TemplateSegment = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'wildcard' };

/** A variable of the template: which request field it binds and which segments it spans. */
export interface TemplateVariable {
  /** Dotted proto field path, e.g. `name` or `role_binding.name`. */
  readonly fieldPath: string;
  /** The variable's pattern as written, e.g. `projects/*\/roles/*`. */
  readonly pattern: string;
  /** Index of the variable's first segment in `segments`. */
  readonly start: number;
  /** Number of segments the variable spans. */
  readonly length: number;
}

export interface PathTemplate {
  /** The template as written in the reference. */
  readonly text: string;
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  /** Custom verb after the final `:` (e.g. `watch`, `batchGet`), if any. */
  readonly verb?: string;
}

function splitVerb(text: string): { path: string; verb?: string } {
  let depth = 0;
  for (let index = text.length - 1; index >= 0; index -= 1) {
    const character = text[index];
    if (character === '}') depth += 1;
    else if (character === '{') depth -= 1;
    else if (character === '/' && depth === 0) break;
    else if (character === ':' && depth === 0) return { path: text.slice(0, index), verb: text.slice(index + 1) };
  }
  return { path: text };
}

/** Parses a template; throws on syntax the API reference does not use. */
export function parsePathTemplate(text: string): PathTemplate {
  if (!text.startsWith('/')) throw new Error(`path template must start with "/": ${text}`);
  const { path, verb } = splitVerb(text);
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  const pieces = path.slice(1).match(/\{[^}]*\}|[^/]+/g) ?? [];
  for (const piece of pieces) {
    if (!piece.startsWith('{')) {
      if (piece === '*') segments.push({ kind: 'wildcard' });
      else segments.push({ kind: 'literal', value: piece });
      continue;
    }
    const [fieldPath, pattern = '*'] = piece.slice(1, -1).split('=') as [string, string?];
    const start = segments.length;
    for (const part of pattern.split('/')) {
      if (part === '**') throw new Error(`"**" is not supported in ${text}`);
      segments.push(part === '*' ? { kind: 'wildcard' } : { kind: 'literal', value: part });
    }
    variables.push({ fieldPath, pattern, start, length: segments.length - start });
  }
  return { text, segments, variables, ...(verb === undefined ? {} : { verb }) };
}

/** Splits a request path the way templates are split: segments, plus the verb after the last `:`. */
export function splitRequestPath(path: string): { segments: string[]; verb?: string } {
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  const pathPart = colon >= 0 ? path.slice(0, colon) : path;
  const segments = pathPart.split('/').filter((segment) => segment !== '');
  return colon >= 0 ? { segments, verb: path.slice(colon + 1) } : { segments };
}

/**
 * Matches a split request path against a template. Returns the variables' values by field path,
 * or undefined when the path does not match. Segment values are percent-decoded.
 */
export function matchPathTemplate(
  template: PathTemplate,
  request: { readonly segments: readonly string[]; readonly verb?: string },
): Record<string, string> | undefined {
  if (template.verb !== request.verb) return undefined;
  if (template.segments.length !== request.segments.length) return undefined;
  const decoded: string[] = [];
  for (let index = 0; index < template.segments.length; index += 1) {
    const segment = template.segments[index] as TemplateSegment;
    const actual = request.segments[index] as string;
    // Only a segment with a `%` has anything to decode (and every route is tried on each request).
    let value = actual;
    if (actual.includes('%')) {
      try {
        value = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    }
    if (segment.kind === 'literal' ? value !== segment.value : value === '' || value.includes('/')) return undefined;
    decoded.push(value);
  }
  const bindings: Record<string, string> = {};
  for (const variable of template.variables) {
    bindings[variable.fieldPath] = decoded.slice(variable.start, variable.start + variable.length).join('/');
  }
  return bindings;
}
