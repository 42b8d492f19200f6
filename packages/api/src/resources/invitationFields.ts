/**
 * Fields of the shared Invitation message, as held by OrganizationInvitation and ProjectInvitation.
 * The inviter is whoever made the request and the state moves only by Accept/Decline/expiry.
 */
export const INVITATION_OUTPUT_ONLY = [
  'invitation.inviter_actor',
  'invitation.inviter_full_name',
  'invitation.inviter_email',
  'invitation.state',
] as const;

/** Who is invited does not change; a different invitee is a different invitation. */
export const INVITATION_IMMUTABLE = ['invitation.invitee_email'] as const;
