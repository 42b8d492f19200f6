/**
 * The read-store condition selecting the children of a parent.
 */
import type { ResourceDescriptor } from '@keystream/api';
import type { MongoQuery } from '../filter/mongoQuery.js';
import { nameRegex } from './nameRegex.js';
import { parseParent } from './parseParent.js';

/**
 * A MongoDB condition on `name` selecting the `descriptor` resources directly under `parent`
 * (`-` wildcards allowed). An anchored prefix regex, so MongoDB can use the `name` index.
 */
export function parentQuery(descriptor: ResourceDescriptor, parent: string): MongoQuery {
  const { pattern } = parseParent(descriptor, parent);
  const last = pattern.segments[pattern.segments.length - 1];
  if (last === undefined) throw new Error(`${descriptor.kind}: name pattern ${pattern.pattern} has no segments`);
  const children = parent === '' ? `${last.collection}/-` : `${parent}/${last.collection}/-`;
  return { name: { $regex: nameRegex(children) } };
}
