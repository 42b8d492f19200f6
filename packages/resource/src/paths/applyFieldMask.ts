/**
 * Projection of a resource onto a field mask (what Get/List return for a field_mask or view).
 */
import type { FieldMask } from './fieldMask.js';
import { isObject } from '@keystream/kernel';
import { cloneJson } from './jsonValues.js';

/** A mask as a tree of path segments; `whole` marks a segment whose entire value is kept. */
interface MaskTree {
  whole: boolean;
  readonly children: Map<string, MaskTree>;
}

/** Builds the segment tree of a mask. */
export function maskTree(mask: FieldMask): MaskTree {
  const root: MaskTree = { whole: false, children: new Map() };
  for (const path of mask.paths) {
    let node = root;
    for (const segment of path.split('.')) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { whole: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.whole = true;
  }
  return root;
}

function project(value: unknown, tree: MaskTree): unknown {
  if (tree.whole) return cloneJson(value);
  // A path through a repeated message keeps, in every element, the fields below it.
  if (Array.isArray(value)) return value.map((element) => project(element, tree));
  if (!isObject(value)) return undefined;
  const output: Record<string, unknown> = {};
  for (const [segment, child] of tree.children) {
    if (value[segment] === undefined) continue;
    const projected = project(value[segment], child);
    if (projected === undefined) continue;
    // A nested message left with nothing in it is dropped rather than returned as {}.
    if (!child.whole && isObject(projected) && Object.keys(projected).length === 0) continue;
    output[segment] = projected;
  }
  return output;
}

/**
 * The part of `resource` that `mask` selects, as a new object. Without a mask (undefined) the
 * whole resource is returned (copied).
 */
export function applyFieldMask<T extends Record<string, unknown>>(resource: T, mask: FieldMask | undefined): Partial<T> {
  if (mask === undefined) return cloneJson(resource);
  return project(resource, maskTree(mask)) as Partial<T>;
}
