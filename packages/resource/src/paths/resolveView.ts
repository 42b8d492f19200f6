/**
 * The effective mask of a read: a view combined with a field_mask, as ARCHITECTURE.md §4 states.
 */
import { KeystreamError, type ResourceDescriptor } from '@keystream/api';
import { fieldMaskOf, parseFieldMask, type FieldMask } from './fieldMask.js';

/** The View enum of the contract, by name. */
export type ViewName = 'UNSPECIFIED' | 'NAME' | 'BASIC' | 'DETAIL' | 'FULL';

const VIEWS: readonly ViewName[] = ['UNSPECIFIED', 'NAME', 'BASIC', 'DETAIL', 'FULL'];

/**
 * Resolves what a read returns. `undefined` means the whole resource.
 * - FULL: the whole resource (field_mask adds nothing).
 * - UNSPECIFIED or absent: the field_mask alone; no field_mask means the whole resource.
 * - NAME/BASIC/DETAIL the resource defines: the view's paths plus the field_mask's.
 * - a view the resource does not define: the whole resource.
 */
export function resolveView(descriptor: ResourceDescriptor, view: string | undefined, fieldMask: readonly string[] | undefined): FieldMask | undefined {
  if (view !== undefined && !(VIEWS as readonly string[]).includes(view)) {
    throw KeystreamError.invalidArgument([{ field: 'view', description: `expected one of ${VIEWS.join(', ')}, got ${JSON.stringify(view)}` }]);
  }
  const requested = fieldMask === undefined || fieldMask.length === 0 ? undefined : parseFieldMask(descriptor.message, fieldMask);
  if (view === 'FULL') return undefined;
  if (view === undefined || view === 'UNSPECIFIED') return requested;
  const viewPaths = descriptor.views[view as 'NAME' | 'BASIC' | 'DETAIL'];
  if (viewPaths === undefined) return undefined;
  const fromView = parseFieldMask(descriptor.message, viewPaths, 'view');
  return fieldMaskOf([...fromView.paths, ...(requested?.paths ?? [])]);
}
