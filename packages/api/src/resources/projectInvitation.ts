/** ProjectInvitation: an invitation to join a project with given roles and groups. */
import { defineResource } from './resourceDescriptor.js';
import { INVITATION_IMMUTABLE, INVITATION_OUTPUT_ONLY } from './invitationFields.js';

export const projectInvitationDescriptor = defineResource('ProjectInvitation', {
  idGeneration: 'random',
  // project_display_name is copied from the project when the invitation is made.
  outputOnly: [...INVITATION_OUTPUT_ONLY, 'project_display_name'],
  immutable: INVITATION_IMMUTABLE,
  views: { NAME: ['name'] },
});
