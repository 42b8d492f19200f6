/** The membership methods and their handlers, by method name. */
import type { MethodName } from '@keystream/api';
import type { AnyMethodHandler } from '@keystream/service-api';
import { asRegistryHandler } from '../methods/methodHandler.js';
import { listMyScopesHandler } from './listMyScopesHandler.js';
import { listWithMembersHandler } from './listWithMembersHandler.js';
import type { MembershipDeps } from './memberships.js';

/** ListMy…/SearchMy… of projects and organizations, and the …WithMembers lists. */
export function membershipHandlers(deps: MembershipDeps): Map<MethodName, AnyMethodHandler> {
  return new Map<MethodName, AnyMethodHandler>([
    ['ListMyProjects', asRegistryHandler(listMyScopesHandler(deps, 'projects'))],
    ['SearchMyProjects', asRegistryHandler(listMyScopesHandler(deps, 'projects'))],
    ['ListMyOrganizations', asRegistryHandler(listMyScopesHandler(deps, 'organizations'))],
    ['SearchMyOrganizations', asRegistryHandler(listMyScopesHandler(deps, 'organizations'))],
    ['ListMyServiceProjects', asRegistryHandler(listMyScopesHandler(deps, 'serviceProjects'))],
    ['ListRoleBindingsWithMembers', asRegistryHandler(listWithMembersHandler(deps, 'RoleBinding'))],
    ['ListGroupMembersWithMembers', asRegistryHandler(listWithMembersHandler(deps, 'GroupMember'))],
  ]);
}
