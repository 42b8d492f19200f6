/**
 * Building a resource name from its parent and id.
 */
import { KeystreamError, type ResourceDescriptor } from '@keystream/api';
import { parseParent } from './parseParent.js';

/**
 * The name of the `descriptor` resource with `id` under `parent` (`''` for top-level). Both are
 * validated; wildcards are not accepted. Throws INVALID_ARGUMENT naming what was expected.
 */
export function formatName(descriptor: ResourceDescriptor, parent: string, id: string): string {
  const { pattern } = parseParent(descriptor, parent, false);
  if (!descriptor.idPattern.test(id)) {
    throw KeystreamError.invalidArgument([
      { field: 'name', description: `the ${descriptor.kind} id ${JSON.stringify(id)} does not match ${descriptor.idPattern.source}` },
    ]);
  }
  const last = pattern.segments[pattern.segments.length - 1];
  if (last === undefined) throw new Error(`${descriptor.kind}: name pattern ${pattern.pattern} has no segments`);
  return parent === '' ? `${last.collection}/${id}` : `${parent}/${last.collection}/${id}`;
}
