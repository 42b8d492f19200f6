/**
 * GroupMember: the member is checked; parent_member records the group as a member identifier
 * (`group:<group email>`), which is how nested groups are expanded.
 *
 * min_ancestry_members is output-only: empty on a direct member. The nested-groups process manager
 * (the system) makes copies of a nested group's members and states their ancestry through the
 * annotation {@link GROUP_MEMBER_ANCESTRY_ANNOTATION} (a comma-separated list of group members,
 * owner last), which becomes min_ancestry_members; from anyone else the annotation is dropped.
 */
import type { JsonObject } from '../events/resourceEvents.js';
import { groupEmailOf } from './group.js';
import { checkMember } from './memberSyntax.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

const GROUP_MEMBER_TYPES = ['user', 'serviceAccount', 'group'] as const;

/** How the system states a copy's ancestry on input (see the module comment). */
export const GROUP_MEMBER_ANCESTRY_ANNOTATION = 'iam.keystream.io/min-ancestry-members';

function groupNameOf(memberName: string): string {
  return memberName.split('/').slice(0, -2).join('/');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const groupMemberBehaviour: ResourceBehaviour = {
  validate: (resource: JsonObject) => checkMember(resource['member'], 'member', GROUP_MEMBER_TYPES),
  derive: (resource: JsonObject, context) => {
    const derived: JsonObject = { ...resource, parentMember: `group:${groupEmailOf(groupNameOf(resource['name'] as string))}` };
    const metadata = isObject(resource['metadata']) ? { ...resource['metadata'] } : undefined;
    const given = metadata !== undefined && isObject(metadata['annotations']) ? metadata['annotations'] : undefined;
    const stated = given?.[GROUP_MEMBER_ANCESTRY_ANNOTATION];
    if (given !== undefined && metadata !== undefined) {
      const annotations = Object.fromEntries(Object.entries(given).filter(([key]) => key !== GROUP_MEMBER_ANCESTRY_ANNOTATION));
      if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
      else delete metadata['annotations'];
      derived['metadata'] = metadata;
    }
    delete derived['minAncestryMembers'];
    const previous = context.previous?.['minAncestryMembers'];
    if (context.actor === 'system' && typeof stated === 'string' && stated !== '') derived['minAncestryMembers'] = stated.split(',');
    else if (Array.isArray(previous) && previous.length > 0) derived['minAncestryMembers'] = previous;
    return derived;
  },
};
