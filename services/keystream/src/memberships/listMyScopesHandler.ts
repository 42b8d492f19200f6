/**
 * ListMyProjects, SearchMyProjects, ListMyOrganizations, SearchMyOrganizations and
 * ListMyServiceProjects, from MemberAssignments: the caller's members (itself, allUsers,
 * allAuthenticatedUsers, its email domain and every group it is in, transitively — the same
 * expansion authorization uses) → their assignments → the projects and organizations they name,
 * plus everything under an organization the caller takes part in (projects and sub-organizations
 * whose ancestry path holds it). The page, filter, order and `phrase` work as in List/Search.
 *
 * Read-your-writes: with `x-keystream-min-position` the handler waits until the assignments made
 * for that position are in the read model, in any process (a replica asks the api process, which
 * runs the process managers).
 */
import { KeystreamError } from '@keystream/api';
import type { MongoQuery } from '@keystream/resource';
import type { CollectionRequest, HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../methods/methodHandler.js';
import type { MembershipDeps } from './memberships.js';

/** Which list a handler serves. */
export type MyScopesKind = 'projects' | 'organizations' | 'serviceProjects';

/** The projects and organizations the caller's members take part in directly, from MemberAssignments. */
export async function assignedScopes(deps: MembershipDeps, members: readonly string[]): Promise<{ projects: string[]; organizations: string[]; services: string[] }> {
  const found = await deps.readStore.query('MemberAssignment', { filter: { member: { $in: [...members] } } });
  const projects = new Set<string>();
  const organizations = new Set<string>();
  const services = new Set<string>();
  for (const stored of found.documents) {
    const scope = stored.document['scope'];
    if (typeof scope !== 'string') continue;
    if (scope.startsWith('projects/')) projects.add(scope);
    else if (scope.startsWith('organizations/')) organizations.add(scope);
    else if (scope.startsWith('services/')) services.add(scope);
  }
  return { projects: [...projects].sort(), organizations: [...organizations].sort(), services: [...services].sort() };
}

/** The handler of one ListMy…/SearchMy… method. */
export function listMyScopesHandler(deps: MembershipDeps, kind: MyScopesKind): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    if (call.principal.kind === 'anonymous') {
      throw new KeystreamError('UNAUTHENTICATED', `${call.method.name} needs a signed-in caller: send "Authorization: Bearer <token>"`, [], { headers: { 'www-authenticate': 'Bearer realm="keystream"' } });
    }
    const minPosition = call.minPosition;
    if (minPosition !== undefined && minPosition !== '' && deps.reactions !== undefined) {
      await deps.queries.awaitPosition(await deps.reactions.settle(minPosition, deps.waitMilliseconds));
    }
    await deps.queries.awaitPosition(minPosition);
    const members = deps.authorizer.membersOf(call.principal);
    const scopes = await assignedScopes(deps, members);
    const kindOfList = kind === 'organizations' ? 'Organization' : 'Project';
    // One name restriction (a Set lookup on the embedded store, an indexed $in on MongoDB): the
    // scopes assigned directly, and everything under an organization assigned.
    const direct = kind === 'organizations' ? scopes.organizations : scopes.projects;
    const under = scopes.organizations.length === 0 ? [] : (await deps.readStore.query(kindOfList, { filter: { ancestryPath: { $in: scopes.organizations } } })).documents.map((stored) => stored.name);
    const names = [...new Set([...direct, ...under])].sort();
    const restriction: MongoQuery = { name: { $in: names } };
    const narrowed: MongoQuery = kind === 'serviceProjects' ? { $and: [restriction, { 'enabledServices.0': { $exists: true } }] } : restriction;
    const request = call.request as CollectionRequest & { readonly fieldMask?: readonly string[] };
    const page = await deps.queries.list(kindOfList, request, {
      query: narrowed,
      fingerprint: `my:${kind}:${members.join(',')}`,
    });
    const plural = kind === 'organizations' ? 'organizations' : 'projects';
    const response: Record<string, unknown> = { [plural]: page.items };
    if (page.nextPageToken !== undefined) response['nextPageToken'] = page.nextPageToken;
    if (page.prevPageToken !== undefined) response['prevPageToken'] = page.prevPageToken;
    // These responses name the paging fields total_count / cursor_offset.
    if (kind !== 'serviceProjects' && page.totalResultsCount !== undefined) response['totalCount'] = page.totalResultsCount;
    if (kind !== 'serviceProjects' && page.currentOffset !== undefined) response['cursorOffset'] = page.currentOffset;
    return { response };
  };
}
