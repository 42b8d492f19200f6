/**
 * ListMyProjectInvitations / ListMyOrganizationInvitations: the invitations addressed to the
 * caller's email, across scopes when the parent is a wildcard (`projects/-`), filterable (e.g.
 * `invitation.state = "PENDING"`). Only the caller's own: the restriction is on the invitee email.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import type { InvitationKind } from '@keystream/domain';
import type { CollectionRequest, HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import type { InvitationDeps } from '../invitationDeps.js';

/** The handler of ListMy…Invitations. */
export function listMyInvitationsHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const principal = call.principal;
    if (principal.kind === 'anonymous') throw new KeystreamError('UNAUTHENTICATED', 'ListMy…Invitations needs a signed-in caller', [], { headers: { 'www-authenticate': 'Bearer realm="keystream"' } });
    const kind = call.method.resource as InvitationKind;
    const descriptor = resourceByKind(kind);
    await deps.queries.awaitPosition(call.minPosition);
    const parent = typeof call.request['parent'] === 'string' && call.request['parent'] !== '' ? call.request['parent'] : `${kind === 'ProjectInvitation' ? 'projects' : 'organizations'}/-`;
    const request: CollectionRequest = { parent, filter: typeof call.request['filter'] === 'string' ? call.request['filter'] : undefined, pageSize: 1000 };
    const email = principal.email.toLowerCase();
    const page = await deps.queries.list(kind, request, { query: { 'invitation.inviteeEmail': email }, fingerprint: `invitee:${email}` });
    return { response: { [descriptor.plural]: page.items } };
  };
}
