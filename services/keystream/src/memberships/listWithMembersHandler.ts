/**
 * ListRoleBindingsWithMembers and ListGroupMembersWithMembers: a List page of bindings or group
 * members, and for each item the resources its member names (`matching_members`): the Users with
 * that email (several may share one), the ServiceAccount, or the Group; none for allUsers,
 * allAuthenticatedUsers and domains. `members_masks` shapes them: its view, then the per-kind
 * extra field masks.
 */
import { resourceByKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { applyFieldMask, resolveView } from '@keystream/resource';
import type { CollectionRequest, HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../methods/methodHandler.js';
import type { MembershipDeps } from './memberships.js';

const MEMBER_KINDS = { user: 'User', serviceAccount: 'ServiceAccount', group: 'Group' } as const;
type MemberType = keyof typeof MEMBER_KINDS;
const LIST_FIELDS: Readonly<Record<MemberType, 'users' | 'serviceAccounts' | 'groups'>> = { user: 'users', serviceAccount: 'serviceAccounts', group: 'groups' };
const MASK_FIELDS: Readonly<Record<MemberType, 'userMask' | 'serviceAccountMask' | 'groupMask'>> = { user: 'userMask', serviceAccount: 'serviceAccountMask', group: 'groupMask' };

function memberTypeOf(member: string): MemberType | undefined {
  const type = member.slice(0, Math.max(0, member.indexOf(':')));
  return type === 'user' || type === 'serviceAccount' || type === 'group' ? type : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The member resources of a page's members, masked, as MembersInfo messages in page order. */
export async function membersInfoOf(deps: MembershipDeps, members: readonly string[], masks: JsonObject): Promise<JsonObject[]> {
  const byType = new Map<MemberType, Set<string>>();
  for (const member of members) {
    const type = memberTypeOf(member);
    if (type === undefined) continue;
    const emails = byType.get(type) ?? new Set<string>();
    emails.add(member.slice(type.length + 1).toLowerCase());
    byType.set(type, emails);
  }
  const found = new Map<string, JsonObject[]>();
  for (const [type, emails] of byType) {
    const kind = MEMBER_KINDS[type];
    const descriptor = resourceByKind(kind);
    const view = typeof masks['view'] === 'string' ? masks['view'] : undefined;
    const extra = Array.isArray(masks[MASK_FIELDS[type]]) ? (masks[MASK_FIELDS[type]] as string[]) : undefined;
    const mask = view === undefined && extra === undefined ? undefined : resolveView(descriptor, view ?? 'BASIC', extra);
    const result = await deps.readStore.query(kind, { filter: { email: { $in: [...emails] } } });
    for (const stored of result.documents) {
      const email = stored.document['email'];
      if (typeof email !== 'string') continue;
      const key = `${type}:${email.toLowerCase()}`;
      found.set(key, [...(found.get(key) ?? []), applyFieldMask(stored.document, mask) as JsonObject]);
    }
  }
  return members.map((member) => {
    const type = memberTypeOf(member);
    const info: JsonObject = { member };
    if (type !== undefined) {
      const resources = found.get(`${type}:${member.slice(type.length + 1).toLowerCase()}`) ?? [];
      if (resources.length > 0) info[LIST_FIELDS[type]] = resources;
    }
    return info;
  });
}

/** The handler of List{RoleBindings,GroupMembers}WithMembers. */
export function listWithMembersHandler(deps: MembershipDeps, kind: 'RoleBinding' | 'GroupMember'): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const descriptor = resourceByKind(kind);
    await deps.queries.awaitPosition(call.minPosition);
    const request = call.request as CollectionRequest;
    // The members must be read from the stored items whatever the field mask keeps.
    const page = await deps.queries.list(kind, { ...request, view: 'FULL', fieldMask: undefined });
    const members = page.items.map((item) => (typeof item['member'] === 'string' ? item['member'] : ''));
    const mask = resolveView(descriptor, request.view, request.fieldMask);
    const response: JsonObject = {
      [descriptor.plural]: page.items.map((item) => applyFieldMask(item, mask) as JsonObject),
      matchingMembers: await membersInfoOf(deps, members, isObject(call.request['membersMasks']) ? call.request['membersMasks'] : {}),
    };
    if (page.nextPageToken !== undefined) response['nextPageToken'] = page.nextPageToken;
    if (page.prevPageToken !== undefined) response['prevPageToken'] = page.prevPageToken;
    if (page.currentOffset !== undefined) response['currentOffset'] = page.currentOffset;
    if (page.totalResultsCount !== undefined) response['totalResultsCount'] = page.totalResultsCount;
    return { response };
  };
}
