/**
 * GroupMember: the member is checked; parent_member records the group as a member identifier
 * (`group:<group email>`), which is how nested groups are expanded.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import { groupEmailOf } from './group.js';
import { checkMember } from './memberSyntax.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

const GROUP_MEMBER_TYPES = ['user', 'serviceAccount', 'group'] as const;

function groupNameOf(memberName: string): string {
  return memberName.split('/').slice(0, -2).join('/');
}

export const groupMemberBehaviour: ResourceBehaviour = {
  validate: (resource: JsonObject) => checkMember(resource['member'], 'member', GROUP_MEMBER_TYPES),
  derive: (resource: JsonObject) => ({ ...resource, parentMember: `group:${groupEmailOf(groupNameOf(resource['name'] as string))}` }),
};
