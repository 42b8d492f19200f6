/**
 * ResponseMask of Create/Update requests.
 */
import type { MessageDescriptor } from '@keystream/api';
import { applyFieldMask } from '../paths/applyFieldMask.js';
import { fieldMaskOf, parseFieldMask } from '../paths/fieldMask.js';

/** The ResponseMask of a request, internal form. */
export interface ResponseMask {
  readonly skipEntireResponseBody?: boolean | undefined;
  readonly updatedFieldsOnly?: boolean | undefined;
  readonly bodyMask?: readonly string[] | undefined;
}

/**
 * The response body for `resource`:
 * - `skip_entire_response_body`: an empty resource (body_mask ignored);
 * - `updated_fields_only`: only `updatedPaths` (from diffPaths) plus `name`;
 * - `body_mask`: only the masked fields; combined with updated_fields_only, both apply.
 */
export function applyResponseMask<T extends Record<string, unknown>>(
  message: MessageDescriptor,
  resource: T,
  responseMask: ResponseMask | undefined,
  updatedPaths: readonly string[] = [],
): Partial<T> {
  if (responseMask === undefined) return applyFieldMask(resource, undefined);
  if (responseMask.skipEntireResponseBody === true) return {};
  let body: Partial<T> = resource;
  if (responseMask.updatedFieldsOnly === true) body = applyFieldMask(resource, fieldMaskOf(['name', ...updatedPaths]));
  if (responseMask.bodyMask !== undefined && responseMask.bodyMask.length > 0) {
    body = applyFieldMask(body, parseFieldMask(message, responseMask.bodyMask, 'response_mask.body_mask'));
  }
  return body === resource ? applyFieldMask(resource, undefined) : body;
}
