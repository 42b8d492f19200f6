/** MemberAssignment: the system's record of a member taking part in an organization or project. */
import { defineResource } from './resourceDescriptor.js';

export const memberAssignmentDescriptor = defineResource('MemberAssignment', {
  // Created only by the RoleBinding process manager; the id encodes scope and member
  // ("p" / "o" / "s", scope id, member), so it is not a caller-chosen slug.
  idGeneration: 'system',
  idPattern: '[a-zA-Z0-9][a-zA-Z0-9._@:%+\\-]{0,255}',
  outputOnly: [
    'scope',
    'scope_title',
    'parent_organization',
    'scope_metadata',
    'multi_region_control_region',
    'multi_region_enabled_regions',
    'scope_services',
    'business_tier',
    'member',
    'member_region',
  ],
  views: { NAME: ['name'] },
});
