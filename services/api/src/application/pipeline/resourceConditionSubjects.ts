/**
 * The documents a grant's resource field conditions must hold on for one request target
 * (`conditionSubjects` in @keystream/authz says which): a Create's new resource, an Update's stored
 * resource and its result, the stored resource otherwise, nothing for a collection.
 */
import { resourceByKind, type MethodDescriptor } from '@keystream/api';
import { conditionSubjects } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { isObject } from '@keystream/kernel';
import type { ResourceRepository } from '../../core/resourceRepository.js';
import type { AuthzTarget } from './authzTargets.js';
import { updateResultOf } from './updateResultOf.js';

/** Loads the condition subjects of `target` (reads the stored resource when there is one). */
export async function resourceConditionSubjects(repository: ResourceRepository, method: MethodDescriptor, target: AuthzTarget, request: Readonly<Record<string, unknown>>): Promise<JsonObject[]> {
  if (method.resource === undefined) return [];
  const kind = method.resource;
  const body = request[resourceByKind(kind).singular];
  if (method.standard === 'create') return conditionSubjects({ kind: 'create', body: isObject<JsonObject>(body) ? body : undefined });
  if (target.target === target.scope && kind !== 'Project' && kind !== 'Organization') return conditionSubjects({ kind: 'collection' });
  const stored = await repository.liveResource(kind, target.target);
  if (method.standard === 'update') return conditionSubjects({ kind: 'update', stored, result: isObject<JsonObject>(body) ? updateResultOf(kind, stored, body, request['updateMask']) : undefined });
  return conditionSubjects({ kind: 'existing', stored });
}
