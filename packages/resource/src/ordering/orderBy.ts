/**
 * order_by: `"path [asc|desc], …"`, validated against the resource, with `name` as tie-break.
 */
import { KeystreamError, type ResourceDescriptor } from '@keystream/api';
import { resolveFieldPath } from '../paths/resolveFieldPath.js';

/** One sort key. */
export interface OrderByField {
  /** Canonical internal path. */
  readonly path: string;
  readonly direction: 'asc' | 'desc';
}

/** A parsed order_by; its last field makes the order total (it is, or ends with, `name`). */
export interface OrderBy {
  readonly fields: readonly OrderByField[];
}

function orderByError(description: string): KeystreamError {
  return KeystreamError.invalidArgument([{ field: 'order_by', description }]);
}

/**
 * Parses order_by for `descriptor`'s resources. Only single scalar, enum and timestamp fields
 * (and map entries of those) can be sorted on. `name` (unique) is appended as the tie-break when
 * not given, so every order is total and page cursors are unambiguous.
 */
export function parseOrderBy(descriptor: ResourceDescriptor, text: string | undefined): OrderBy {
  const fields: OrderByField[] = [];
  const trimmed = text?.trim() ?? '';
  if (trimmed !== '') {
    for (const [index, part] of trimmed.split(',').entries()) {
      const words = part.trim().split(/\s+/);
      const [pathText, directionText, extra] = words;
      if (pathText === undefined || pathText === '') throw orderByError(`item ${index + 1} is empty: expected "path [asc|desc]"`);
      if (extra !== undefined) throw orderByError(`item ${index + 1} ${JSON.stringify(part.trim())}: expected "path [asc|desc]"`);
      const direction = directionText === undefined ? 'asc' : directionText.toLowerCase();
      if (direction !== 'asc' && direction !== 'desc') throw orderByError(`invalid direction ${JSON.stringify(directionText)} for ${pathText}: expected asc or desc`);
      const resolved = resolveFieldPath(descriptor.message, pathText, 'order_by');
      const { target } = resolved;
      const sortable =
        !resolved.throughRepeated &&
        target.kind !== 'free' &&
        target.field.value.kind !== 'message' &&
        !(target.kind === 'field' && target.field.cardinality !== 'single') &&
        !(target.field.value.kind === 'scalar' && (target.field.value.scalar === 'struct' || target.field.value.scalar === 'fieldMask'));
      if (!sortable) throw orderByError(`cannot sort by ${pathText}: only single scalar, enum and timestamp fields (or map entries of those) can be sorted on`);
      if (fields.some((field) => field.path === resolved.path)) throw orderByError(`${pathText} is given twice`);
      fields.push({ path: resolved.path, direction });
    }
  }
  if (!fields.some((field) => field.path === 'name')) fields.push({ path: 'name', direction: 'asc' });
  return { fields };
}

/** order_by in canonical text form (`displayName desc, name asc`). */
export function formatOrderBy(orderBy: OrderBy): string {
  return orderBy.fields.map((field) => `${field.path} ${field.direction}`).join(', ');
}
