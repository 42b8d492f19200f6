/**
 * At most one PENDING invitation per scope and invitee email. Each (scope, email) has an internal
 * stream, `PendingInvitationEmail-<scope>/<email>`, whose last `PendingInvitationClaimed` event
 * names the invitation that holds it. A new invitation claims it with the stream's revision as
 * the expected one, so of two concurrent invitations of the same email exactly one wins; a claim
 * whose invitation is no longer PENDING (accepted, declined, expired, deleted, never created) is
 * free. Nothing here is projected (the events carry no resource).
 */
import { KeystreamError } from '@keystream/api';
import { invitationOf, isPastExpiry, type InvitationKind } from '@keystream/domain';
import { isWrongExpectedVersionError } from '@keystream/eventstore';
import { randomUUID } from 'node:crypto';
import type { InvitationDeps } from './invitationDeps.js';

const CLAIMED = 'PendingInvitationClaimed';

function streamOf(scope: string, email: string): string {
  return `PendingInvitationEmail-${scope}/${email.toLowerCase()}`;
}

/** The PENDING invitation of `email` in `scope`, if there is one. */
export async function pendingInvitationOf(deps: InvitationDeps, kind: InvitationKind, scope: string, email: string): Promise<{ name: string; revision: number | 'no_stream' } | { name: undefined; revision: number | 'no_stream' }> {
  const [last] = await deps.eventStore.readStream(streamOf(scope, email), { direction: 'backwards', limit: 1 });
  if (last === undefined) return { name: undefined, revision: 'no_stream' };
  const holder = last.data['invitation'];
  if (typeof holder !== 'string') return { name: undefined, revision: last.revision };
  const invitation = await deps.repository.liveResource(kind, holder);
  const pending = invitation !== undefined && invitationOf(invitation)['state'] === 'PENDING' && !isPastExpiry(invitation, deps.clock().toISOString());
  return { name: pending ? holder : undefined, revision: last.revision };
}

/**
 * Claims (scope, email) for `name`; throws ALREADY_EXISTS naming the PENDING invitation that holds
 * it. Claiming again for the same name is a no-op (a retried request).
 */
export async function claimPendingInvitation(deps: InvitationDeps, kind: InvitationKind, scope: string, email: string, name: string, actor: string): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const current = await pendingInvitationOf(deps, kind, scope, email);
    if (current.name === name) return;
    if (current.name !== undefined) {
      throw new KeystreamError('ALREADY_EXISTS', `${email} already has a PENDING invitation in ${scope}: ${current.name}`, [
        { '@type': 'type.googleapis.com/google.rpc.ResourceInfo', resourceType: kind, resourceName: current.name, description: 'the PENDING invitation of this email' },
      ]);
    }
    try {
      const id = randomUUID();
      await deps.eventStore.append(
        streamOf(scope, email),
        [{ id, type: CLAIMED, data: { invitation: name }, metadata: { actor, requestId: id, correlationId: id, causationId: id, occurredAt: deps.clock().toISOString(), schema: 1 } }],
        current.revision,
      );
      return;
    } catch (error) {
      if (!isWrongExpectedVersionError(error)) throw error;
    }
  }
  throw new KeystreamError('ABORTED', `invitations of ${email} in ${scope} are being made concurrently; retry`);
}
