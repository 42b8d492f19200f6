/** The membership methods and their handlers, by method name. */
import type { MethodHandler } from '../methods/methodHandler.js';
import { listMyScopesHandler } from './listMyScopesHandler.js';
import { listWithMembersHandler } from './listWithMembersHandler.js';
import type { MembershipDeps } from './memberships.js';

/** ListMy…/SearchMy… of projects and organizations, and the …WithMembers lists. */
export function membershipHandlers(deps: MembershipDeps): Map<string, MethodHandler> {
  return new Map<string, MethodHandler>([
    ['ListMyProjects', listMyScopesHandler(deps, 'projects')],
    ['SearchMyProjects', listMyScopesHandler(deps, 'projects')],
    ['ListMyOrganizations', listMyScopesHandler(deps, 'organizations')],
    ['SearchMyOrganizations', listMyScopesHandler(deps, 'organizations')],
    ['ListMyServiceProjects', listMyScopesHandler(deps, 'serviceProjects')],
    ['ListRoleBindingsWithMembers', listWithMembersHandler(deps, 'RoleBinding')],
    ['ListGroupMembersWithMembers', listWithMembersHandler(deps, 'GroupMember')],
  ]);
}
