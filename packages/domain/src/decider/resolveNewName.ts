/**
 * The name of a resource about to be created: the one the request gives (checked against the
 * kind's patterns and the request's parent), or a new one with a generated id.
 */
import { KeystreamError, resourceByKind, type ResourceKind } from '@keystream/api';
import { formatName, parseName } from '@keystream/resource';
import type { JsonObject } from '../events/resourceEvents.js';

/**
 * Resolves the name of a new resource. `parent` is the request's parent field (absent for
 * top-level kinds); `newId` is called only when an id must be generated.
 */
export function resolveNewName(kind: ResourceKind, parent: string | undefined, resource: JsonObject, newId: () => string): string {
  const descriptor = resourceByKind(kind);
  const field = `${descriptor.singularProto}.name`;
  const given = resource['name'];
  if (typeof given === 'string' && given !== '') {
    const parsed = parseName(descriptor, given, { field });
    if (parent !== undefined && parent !== '' && parsed.parent !== parent) {
      throw KeystreamError.invalidArgument([{ field, description: `"${given}" is not under the request's parent "${parent}"` }]);
    }
    return given;
  }
  switch (descriptor.idGeneration) {
    case 'random':
      return formatName(descriptor, parent ?? '', newId());
    case 'required':
      throw KeystreamError.invalidArgument([{ field, description: `required: ${kind} ids are chosen by the caller, e.g. ${descriptor.namePatterns[0]?.pattern ?? ''}` }]);
    case 'system':
      throw new KeystreamError('FAILED_PRECONDITION', `${kind} resources are created by keystream itself, not by requests`);
    default: {
      const unreachable: never = descriptor.idGeneration;
      throw new Error(`unknown id generation ${String(unreachable)}`);
    }
  }
}
