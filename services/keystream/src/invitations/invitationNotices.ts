/** The mail an invitee gets: the invitation, its inviter and scope, and the accept code. */
import { KeystreamError } from '@keystream/api';
import { invitationOf, invitationScopeOf, type JsonObject } from '@keystream/domain';
import type { Notification } from '@keystream/notify';
import type { InvitationDeps } from './invitationDeps.js';

function strings(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The console's accept page for an invitation and its code. Both travel in the fragment, which a
 * browser never sends to a server: the code does not end up in access logs or `Referer` headers.
 */
export function invitationLink(publicUrl: string, name: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/#invitation=${encodeURIComponent(name)}&code=${encodeURIComponent(code)}`;
}

/** The notification of one code issue of an invitation; `publicUrl` is where the console is reached. */
export function invitationNotification(kind: string, invitation: JsonObject, code: string, issue: number, scopeTitle: string | undefined, publicUrl: string): Notification {
  const body = invitationOf(invitation);
  const name = invitation['name'] as string;
  const scope = invitationScopeOf(name);
  return {
    id: `${name}#${issue}`,
    template: kind === 'ProjectInvitation' ? 'project-invitation' : 'organization-invitation',
    to: typeof body['inviteeEmail'] === 'string' ? body['inviteeEmail'] : '',
    languageCode: typeof body['languageCode'] === 'string' && body['languageCode'] !== '' ? body['languageCode'] : 'en-us',
    values: {
      invitation: name,
      inviter: typeof body['inviterEmail'] === 'string' ? body['inviterEmail'] : 'keystream',
      scope,
      scopeTitle: scopeTitle ?? scope,
      code,
      link: invitationLink(publicUrl, name, code),
      expires: typeof body['expirationDate'] === 'string' ? body['expirationDate'] : '',
    },
    extras: strings(body['extras']),
  };
}

/**
 * Sends the invitee its code. The invitation is already stored: a failure says so, and that the
 * invitation can be sent again (Resend), instead of hiding it.
 */
export async function notifyInvitee(deps: InvitationDeps, kind: string, invitation: JsonObject, code: string, issue: number): Promise<void> {
  const scope = invitationScopeOf(invitation['name'] as string);
  const scopeResource = await deps.repository.liveResource(kind === 'ProjectInvitation' ? 'Project' : 'Organization', scope);
  const title = typeof scopeResource?.['title'] === 'string' ? scopeResource['title'] : undefined;
  try {
    await deps.notifier.send(invitationNotification(kind, invitation, code, issue, title, deps.publicUrl));
  } catch (error) {
    throw new KeystreamError('UNAVAILABLE', `${kind} ${invitation['name'] as string} is stored, but its mail could not be sent (${error instanceof Error ? error.message : String(error)}); send it again with Resend`, [], { cause: error });
  }
}
