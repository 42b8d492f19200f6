/**
 * The resource an Update would leave, for authorization (the decider computes the same before it
 * writes): with an update mask, the stored resource with the masked fields from the request; without
 * one, the request's resource (a full replace).
 */
import { resourceByKind, type ResourceKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { mergeMasked, parseFieldMask } from '@keystream/resource';

/** The result of updating `stored` with `body` under `updateMask` (internal form). */
export function updateResultOf(kind: ResourceKind, stored: JsonObject | undefined, body: JsonObject, updateMask: unknown): JsonObject {
  if (stored === undefined) return body;
  const descriptor = resourceByKind(kind);
  const paths = Array.isArray(updateMask) ? updateMask.filter((path): path is string => typeof path === 'string') : [];
  if (paths.length === 0) return { ...body, name: stored['name'] as string };
  return mergeMasked(descriptor.message, stored, body, parseFieldMask(descriptor.message, paths, 'update_mask'));
}
