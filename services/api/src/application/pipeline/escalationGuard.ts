/**
 * Applies the no-escalation rule of `@keystream/authz` (escalation.ts) to the writes that change
 * effective rights: role bindings, group members, service-account keys, roles, conditions and
 * invitations.
 * Works out what the write would give (reading the stored resources it changes) and refuses it
 * when the caller does not hold all of that itself.
 */
import { resourceByKind, type MethodDescriptor } from '@keystream/api';
import {
  ACT_AS_PERMISSION,
  assertNoEscalation,
  rightsGainedByActingAs,
  rightsGainedByBinding,
  rightsGainedByConditionUpdate,
  rightsGainedByGroupMembership,
  rightsGainedByInvitation,
  rightsGainedByRoleUpdate,
  scopeOfName,
  type Authorizer,
  type AuthzIndex,
  type GainedRight,
  type Principal,
} from '@keystream/authz';
import { serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import type { ResourceRepository } from '../../core/resourceRepository.js';
import { updateResultOf } from './updateResultOf.js';

/** What the guard reads. */
export interface EscalationGuardDependencies {
  readonly authorizer: Authorizer;
  readonly index: AuthzIndex;
  readonly repository: ResourceRepository;
}

type Request = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `projects/p/groups/g/groupMembers/m` → `projects/p/groups/g`. */
function parentOfName(name: string): string {
  return name.split('/').slice(0, -2).join('/');
}

function permissionsOfRole(role: JsonObject | undefined): string[] {
  const grants = Array.isArray(role?.['grants']) ? (role['grants'] as unknown[]) : [];
  return grants.flatMap((grant) => (isObject(grant) && Array.isArray(grant['permissions']) ? grant['permissions'].filter((entry): entry is string => typeof entry === 'string') : []));
}

interface Change {
  readonly gained: GainedRight[];
  readonly exemptAt?: { readonly scope: string; readonly target: string; readonly permission: string };
  readonly action: string;
}

/** The body of a create or update, its name, and (for updates) the stored resource and the result. */
async function subjectOf(dependencies: EscalationGuardDependencies, method: MethodDescriptor, request: Request): Promise<{ resource: JsonObject; name: string; stored?: JsonObject } | undefined> {
  if (method.resource === undefined) return undefined;
  const descriptor = resourceByKind(method.resource);
  const body = request[descriptor.singular];
  if (!isObject(body)) return undefined;
  const parent = typeof request['parent'] === 'string' ? request['parent'] : undefined;
  const name = typeof body['name'] === 'string' && body['name'] !== '' ? body['name'] : parent === undefined ? undefined : `${parent}/${descriptor.plural}/-`;
  if (name === undefined) return undefined;
  if (method.standard === 'create') return { resource: { ...body, name }, name };
  const stored = await dependencies.repository.liveResource(descriptor.kind, name);
  const resource = updateResultOf(descriptor.kind, stored, body, request['updateMask']);
  return stored === undefined ? { resource, name } : { resource, name, stored };
}

async function changeOf(dependencies: EscalationGuardDependencies, method: MethodDescriptor, request: Request): Promise<Change | undefined> {
  if (method.standard !== 'create' && method.standard !== 'update') return undefined;
  const { index } = dependencies;
  switch (method.resource) {
    case 'RoleBinding': {
      const subject = await subjectOf(dependencies, method, request);
      if (subject === undefined) return undefined;
      return { gained: rightsGainedByBinding(subject.resource, index), action: `bind ${JSON.stringify(subject.resource['role'])} to ${JSON.stringify(subject.resource['member'])}` };
    }
    case 'GroupMember': {
      const subject = await subjectOf(dependencies, method, request);
      if (subject === undefined) return undefined;
      // Updating a member's other fields gives nothing new.
      if (subject.stored !== undefined && subject.stored['member'] === subject.resource['member']) return undefined;
      const group = parentOfName(subject.name);
      return { gained: rightsGainedByGroupMembership(group, index), action: `add ${JSON.stringify(subject.resource['member'])} to ${group}` };
    }
    case 'ServiceAccountKey': {
      if (method.standard !== 'create') return undefined;
      const subject = await subjectOf(dependencies, method, request);
      if (subject === undefined) return undefined;
      const account = parentOfName(subject.name);
      return {
        gained: rightsGainedByActingAs(serviceAccountEmailOf(account), index),
        exemptAt: { scope: scopeOfName(account), target: account, permission: ACT_AS_PERMISSION },
        action: `create a key for ${account} (and so act as it)`,
      };
    }
    case 'Role': {
      if (method.standard !== 'update') return undefined;
      const subject = await subjectOf(dependencies, method, request);
      if (subject?.stored === undefined) return undefined;
      return { gained: rightsGainedByRoleUpdate(subject.name, permissionsOfRole(subject.stored), permissionsOfRole(subject.resource)), action: `add permissions to ${subject.name}` };
    }
    case 'Condition': {
      if (method.standard !== 'update') return undefined;
      const subject = await subjectOf(dependencies, method, request);
      if (subject?.stored === undefined) return undefined;
      return { gained: rightsGainedByConditionUpdate(subject.name, index), action: `change ${subject.name}, which gates bindings` };
    }
    case 'ProjectInvitation':
    case 'OrganizationInvitation': {
      const subject = await subjectOf(dependencies, method, request);
      if (subject === undefined) return undefined;
      const scope = scopeOfName(subject.name);
      const invitation = isObject(subject.resource['invitation']) ? subject.resource['invitation'] : undefined;
      return { gained: rightsGainedByInvitation(scope, invitation, index), action: `invite someone into ${scope} with these roles and groups` };
    }
    default:
      return undefined;
  }
}

/** Refuses a write through which someone would gain rights the caller does not hold (PERMISSION_DENIED). */
export async function guardEscalation(dependencies: EscalationGuardDependencies, caller: Principal, method: MethodDescriptor, request: Request, remoteAddress: string): Promise<void> {
  const change = await changeOf(dependencies, method, request);
  if (change === undefined) return;
  await assertNoEscalation(dependencies.authorizer, caller, change.gained, { action: change.action, remoteAddress, ...(change.exemptAt === undefined ? {} : { exemptAt: change.exemptAt }) });
}
