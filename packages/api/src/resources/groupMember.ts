/** GroupMember: one member (user, service account or group) of a group. */
import { defineResource } from './resourceDescriptor.js';

export const groupMemberDescriptor = defineResource('GroupMember', {
  idGeneration: 'random',
  // parent_member and min_ancestry_members are maintained by the group-expansion process manager.
  outputOnly: ['parent_member', 'min_ancestry_members'],
  immutable: ['member'],
  views: { NAME: ['name'], BASIC: ['name', 'member'], DETAIL: ['name', 'member', 'metadata'] },
});
