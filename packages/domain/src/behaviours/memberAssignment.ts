/**
 * MemberAssignment: everything in it is derived from its name (scope and member) and, for
 * projects and organizations, from the scope resource (title, parent organization, partial
 * metadata, multi-region policy, services, business tier). The process manager that keeps them
 * (one per scope and member while a RoleBinding there exists) therefore only says which names
 * exist; the copy of the scope's fields is made here, on every write.
 */
import { KeystreamError } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';
import { MEMBER_ASSIGNMENT_REGION, parseMemberAssignmentName } from '../memberships/memberAssignmentName.js';
import type { Reference, ResourceBehaviour } from './resourceBehaviour.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scopeReference(resource: JsonObject): Reference[] {
  const parsed = typeof resource['name'] === 'string' ? parseMemberAssignmentName(resource['name']) : undefined;
  if (parsed === undefined || parsed.scope.startsWith('services/')) return [];
  return [{ kind: parsed.scope.startsWith('projects/') ? 'Project' : 'Organization', name: parsed.scope, field: 'name' }];
}

/** The fields a MemberAssignment copies from its scope. */
export function scopeFieldsOf(scope: JsonObject): JsonObject {
  const fields: JsonObject = {};
  if (typeof scope['title'] === 'string') fields['scopeTitle'] = scope['title'];
  if (typeof scope['parentOrganization'] === 'string' && scope['parentOrganization'] !== '') fields['parentOrganization'] = scope['parentOrganization'];
  const metadata = isObject(scope['metadata']) ? scope['metadata'] : {};
  const partial: JsonObject = {};
  for (const key of ['labels', 'annotations', 'tags'] as const) if (metadata[key] !== undefined) partial[key] = metadata[key];
  if (Object.keys(partial).length > 0) fields['scopeMetadata'] = partial;
  const policy = isObject(scope['multiRegionPolicy']) ? scope['multiRegionPolicy'] : {};
  if (typeof policy['defaultControlRegion'] === 'string') fields['multiRegionControlRegion'] = policy['defaultControlRegion'];
  if (Array.isArray(policy['enabledRegions'])) fields['multiRegionEnabledRegions'] = policy['enabledRegions'];
  const services = Array.isArray(scope['enabledServices']) ? scope['enabledServices'] : isObject(scope['services']) && Array.isArray(scope['services']['allowedServices']) ? scope['services']['allowedServices'] : undefined;
  if (services !== undefined && services.length > 0) fields['scopeServices'] = services;
  if (typeof scope['businessTier'] === 'string') fields['businessTier'] = scope['businessTier'];
  return fields;
}

export const memberAssignmentBehaviour: ResourceBehaviour = {
  references: scopeReference,
  derive: (resource, context) => {
    const name = resource['name'] as string;
    const parsed = parseMemberAssignmentName(name);
    if (parsed === undefined) throw KeystreamError.invalidArgument([{ field: 'member_assignment.name', description: 'MemberAssignments are made by keystream from RoleBindings; the name encodes scope and member' }]);
    const derived: JsonObject = { name, member: parsed.member, memberRegion: MEMBER_ASSIGNMENT_REGION, scope: parsed.scope };
    if (isObject(resource['metadata'])) derived['metadata'] = resource['metadata'];
    const scope = context.references.get(parsed.scope);
    return scope === undefined ? derived : { ...derived, ...scopeFieldsOf(scope) };
  },
};
