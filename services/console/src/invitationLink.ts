/**
 * The invitee's side of an invitation, as the console's accept page needs it: the link the mail
 * carries (`/console/#invitation=<name>&code=<code>` — in the fragment, which never reaches a
 * server), which API serves the invitation's kind, what state it is in, and what a refusal of the
 * server means in words.
 */

/** What the link names: the invitation and, from a mail, its accept code. */
export interface InvitationLink {
  readonly name: string;
  readonly code: string | undefined;
}

/** The invitation and code of a location fragment, or undefined when it names none. */
export function parseInvitationFragment(hash: string): InvitationLink | undefined {
  const parameters = new URLSearchParams(hash.replace(/^#/, ''));
  const name = parameters.get('invitation');
  if (name === null || invitationKindOf(name) === undefined) return undefined;
  const code = parameters.get('code');
  return { name, code: code === null || code === '' ? undefined : code };
}

/** The REST routes of an invitation's kind. */
export interface InvitationKind {
  /** `ProjectInvitation` or `OrganizationInvitation`. */
  readonly kind: 'ProjectInvitation' | 'OrganizationInvitation';
  /** ListMy…Invitations over every scope of the kind (self-service: the caller's own invitations). */
  readonly listMyRoute: string;
  /** The response field of ListMy…. */
  readonly listField: 'projectInvitations' | 'organizationInvitations';
  readonly scope: string;
}

/** The kind and scope of an invitation name, or undefined for a name that is not an invitation's. */
export function invitationKindOf(name: string): InvitationKind | undefined {
  const project = /^(projects\/[^/]+)\/projectInvitations\/[^/]+$/.exec(name);
  if (project !== null) return { kind: 'ProjectInvitation', listMyRoute: '/v1/projects/-/projectInvitations:listMy', listField: 'projectInvitations', scope: project[1] as string };
  const organization = /^(organizations\/[^/]+)\/organizationInvitations\/[^/]+$/.exec(name);
  if (organization !== null) return { kind: 'OrganizationInvitation', listMyRoute: '/v1/organizations/-/organizationInvitations:listMy', listField: 'organizationInvitations', scope: organization[1] as string };
  return undefined;
}

/** Where an invitation stands for the invitee. */
export type InvitationStatus =
  | { readonly state: 'pending'; readonly expires: string }
  | { readonly state: 'accepted'; readonly by: string; readonly at: string }
  | { readonly state: 'declined'; readonly by: string; readonly at: string }
  | { readonly state: 'expired'; readonly at: string };

type Json = Readonly<Record<string, unknown>>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function objectAt(value: unknown, key: string): Json {
  return asObject(asObject(value)[key]);
}

/**
 * The status of an invitation resource at `now`: its state, with who and when from the server's
 * annotations; a PENDING invitation past its expiration date is expired already (the server
 * refuses it by the clock before its expiry event).
 */
export function invitationStatusOf(resource: Json, now: Date): InvitationStatus {
  const invitation = objectAt(resource, 'invitation');
  const annotations = objectAt(objectAt(resource, 'metadata'), 'annotations');
  const expires = text(invitation['expirationDate']);
  switch (invitation['state']) {
    case 'ACCEPTED':
      return { state: 'accepted', by: text(annotations['iam.keystream.io/accepted-by']), at: text(annotations['iam.keystream.io/accepted-time']) };
    case 'DECLINED':
      return { state: 'declined', by: text(annotations['iam.keystream.io/declined-by']), at: text(annotations['iam.keystream.io/declined-time']) };
    case 'EXPIRED':
      return { state: 'expired', at: expires };
    default:
      return expires !== '' && Date.parse(expires) <= now.getTime() ? { state: 'expired', at: expires } : { state: 'pending', expires };
  }
}

/** What the invitation grants, for the page: role names and groups. */
export function grantsOf(resource: Json): { readonly roles: readonly string[]; readonly groups: readonly string[] } {
  const invitation = objectAt(resource, 'invitation');
  const roles = Array.isArray(invitation['bindingRoles']) ? (invitation['bindingRoles'] as unknown[]).map((binding) => text(asObject(binding)['role'])) : [];
  const groups = Array.isArray(invitation['groups']) ? (invitation['groups'] as unknown[]).map(text) : [];
  return { roles: roles.filter((role) => role !== ''), groups: groups.filter((group) => group !== '') };
}

/**
 * A refusal of accept or decline in words an invitee understands, keeping the server's own
 * message (which names the invitation and the time) after it.
 */
export function refusalText(status: string, message: string): string {
  const explained = ((): string | undefined => {
    if (status === 'UNAUTHENTICATED') return 'Your token was refused; sign in again.';
    if (/code is not valid/.test(message)) return 'This invitation code is not valid: open the whole link from the mail, or ask for the invitation to be sent again.';
    if (/replaced by a newer one/.test(message)) return 'This code was replaced: the invitation was sent again. Use the link in the newest mail.';
    if (/already accepted/.test(message)) return 'This invitation was already used: it has been accepted.';
    if (/was declined/.test(message)) return 'This invitation was declined; it cannot be used any more.';
    if (/expired at/.test(message)) return 'This invitation has expired. Ask the person who invited you to send it again.';
    if (/deleted \(revoked\)/.test(message)) return 'This invitation was revoked.';
    if (/addressed to another email/.test(message)) return 'This invitation was sent to another email address than the one you are signed in with.';
    if (/not verified/.test(message)) return 'Your email address is not verified by your identity provider; accept with the code from the mail instead.';
    if (/can no longer grant/.test(message)) return 'The person who invited you can no longer grant this access; ask them or an administrator.';
    return undefined;
  })();
  const server = `${status}: ${message}`;
  return explained === undefined ? server : `${explained} (${server})`;
}
