/** OrganizationInvitation: an invitation to join an organization with given roles. */
import { defineResource } from './resourceDescriptor.js';
import { INVITATION_IMMUTABLE, INVITATION_OUTPUT_ONLY } from './invitationFields.js';

export const organizationInvitationDescriptor = defineResource('OrganizationInvitation', {
  idGeneration: 'random',
  outputOnly: INVITATION_OUTPUT_ONLY,
  immutable: INVITATION_IMMUTABLE,
  views: { NAME: ['name'] },
});
