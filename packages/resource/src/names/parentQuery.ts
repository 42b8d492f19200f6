/**
 * The read-store condition selecting the children of a parent.
 */
import type { ResourceDescriptor } from '@keystream/api';
import type { MongoQuery } from '../filter/mongoQuery.js';
import { escapeRegex, nameRegex } from './nameRegex.js';
import { WILDCARD_SEGMENT } from './parseName.js';
import { parseParent } from './parseParent.js';

/**
 * A MongoDB condition on `name` selecting the `descriptor` resources directly under `parent`
 * (`-` wildcards allowed). An anchored regex, so MongoDB can use the `name` index; a bare prefix
 * when that selects the same names (prefixOfChildren), which both read stores serve and count
 * from a key range alone.
 */
export function parentQuery(descriptor: ResourceDescriptor, parent: string): MongoQuery {
  const { pattern } = parseParent(descriptor, parent);
  const last = pattern.segments[pattern.segments.length - 1];
  if (last === undefined) throw new Error(`${descriptor.kind}: name pattern ${pattern.pattern} has no segments`);
  const children = parent === '' ? `${last.collection}/-` : `${parent}/${last.collection}/-`;
  const prefix = prefixOfChildren(descriptor, children);
  return { name: { $regex: prefix === undefined ? nameRegex(children) : `^${escapeRegex(prefix)}` } };
}

/**
 * The text every name `children` stands for starts with, when starting with it is all it takes:
 * the segments before the first wildcard, when every later id is a wildcard too and only one of
 * the kind's name patterns can begin that way. Every stored name was checked against the
 * patterns at its creation, so a name with that beginning has that pattern's shape, one segment
 * per id: the rest of the regex holds for it anyway. (`projects/-/roleBindings/-` is every
 * RoleBinding name starting `projects/`; `projects/-/regions/r1/serviceAccounts/-` is not a prefix.)
 */
function prefixOfChildren(descriptor: ResourceDescriptor, children: string): string | undefined {
  const segments = children.split('/');
  const firstWildcard = segments.indexOf(WILDCARD_SEGMENT);
  if (firstWildcard < 0) return undefined;
  // Ids sit at odd positions; one after the first wildcard that is not a wildcard narrows further.
  if (segments.some((segment, index) => index > firstWildcard && index % 2 === 1 && segment !== WILDCARD_SEGMENT)) return undefined;
  const literal = segments.slice(0, firstWildcard);
  const canBegin = descriptor.namePatterns.filter((candidate) => literal.every((segment, index) => index % 2 === 1 || candidate.segments[index / 2]?.collection === segment));
  return canBegin.length === 1 ? `${literal.join('/')}/` : undefined;
}
