/**
 * Annotations keystream writes on invitations, for facts the Invitation message has no field for.
 * They are the server's: values a caller sends under these keys are dropped, and an update keeps
 * the stored ones (see docs/invitations.md).
 */
export const INVITATION_ANNOTATIONS = {
  /** The member that accepted (`user:bob@example.com`). */
  acceptedBy: 'iam.keystream.io/accepted-by',
  /** When it was accepted (RFC 3339). */
  acceptedTime: 'iam.keystream.io/accepted-time',
  /** The member that declined, and when. */
  declinedBy: 'iam.keystream.io/declined-by',
  declinedTime: 'iam.keystream.io/declined-time',
  /** How many accept codes were issued so far; only the code of the latest issue works. */
  codeIssue: 'iam.keystream.io/code-issue',
  /** `true` on a code made without a named invitee: whoever signs in with it first redeems it. */
  bearerCode: 'iam.keystream.io/bearer-code',
  /** The batch (idempotency key) an invitation was created in. */
  batch: 'iam.keystream.io/batch',
} as const;

const RESERVED = new Set<string>(Object.values(INVITATION_ANNOTATIONS));

/** Whether an annotation key is one only the server writes. */
export function isReservedInvitationAnnotation(key: string): boolean {
  return RESERVED.has(key);
}
