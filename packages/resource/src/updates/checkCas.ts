/**
 * Compare-and-swap of Update requests.
 */
import { KeystreamError, type MessageDescriptor } from '@keystream/api';
import { applyFieldMask } from '../paths/applyFieldMask.js';
import { diffPaths } from '../paths/diffPaths.js';
import { parseFieldMask } from '../paths/fieldMask.js';
import { deepEqual, withoutDefaults } from '../paths/jsonValues.js';

/** The CAS part of an Update request, internal form. */
export interface Cas {
  readonly conditionalState?: Record<string, unknown> | undefined;
  readonly fieldMask?: readonly string[] | undefined;
}

/**
 * Passes when `stored` equals `cas.conditionalState` under `cas.fieldMask` (the whole resource
 * when the mask is empty), comparing as protobuf does (default values equal absent ones).
 * ABORTED, naming the differing paths, otherwise; INVALID_ARGUMENT for a CAS without state or
 * with unknown paths.
 */
export function checkCas(message: MessageDescriptor, stored: Record<string, unknown>, cas: Cas): void {
  if (cas.conditionalState === undefined) {
    throw KeystreamError.invalidArgument([{ field: 'cas.conditional_state', description: 'required when cas is given' }]);
  }
  const mask = cas.fieldMask === undefined || cas.fieldMask.length === 0 ? undefined : parseFieldMask(message, cas.fieldMask, 'cas.field_mask');
  const current = withoutDefaults(applyFieldMask(stored, mask)) as Record<string, unknown>;
  const expected = withoutDefaults(applyFieldMask(cas.conditionalState, mask)) as Record<string, unknown>;
  if (deepEqual(current, expected)) return;
  const differing = diffPaths(message, expected, current);
  throw new KeystreamError('ABORTED', `${message.name} changed since conditional_state was read; differs at: ${differing.join(', ')}`);
}
