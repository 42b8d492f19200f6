/**
 * Accepting an invitation, by name or by code: the refusals that need the world are checked first
 * (the decider's own — state, expiry, invitee — then the scope still existing and the inviter
 * still able to grant), then the ACCEPTED event is appended expecting the revision read, so of
 * many concurrent accepts exactly one wins and every other is refused as "already accepted".
 * Only then are the grants made (idempotently; the grants process manager finishes them if this
 * process stops in between).
 */
import { KeystreamError } from '@keystream/api';
import { decideInvitation, invitationOf, invitationScopeOf, type AcceptProof, type InvitationKind, type JsonObject } from '@keystream/domain';
import { comparePositions } from '@keystream/eventstore';
import type { CommandEnvelope } from '@keystream/service-api';
import { grantInvitation } from './invitationGrants.js';
import type { InvitationDeps } from './invitationDeps.js';
import { inviterCannotGrant, inviterPrincipalOf } from './inviterMayGrant.js';
import { assertNoEscalation, rightsGainedByInvitation } from '@keystream/authz';

/** What an accept did. */
export interface AcceptOutcome {
  readonly invitation: JsonObject;
  /** Position of the last write (the grants'), for read-your-writes. */
  readonly position: string;
}

/** Accepts `name` for `acceptor` with `proof`; throws the refusal the caller should see. */
export async function acceptInvitation(deps: InvitationDeps, kind: InvitationKind, name: string, acceptor: string, proof: AcceptProof, envelope: CommandEnvelope): Promise<AcceptOutcome> {
  const command = { type: 'accept', kind, name, acceptor, proof } as const;
  const { state } = await deps.repository.load(kind, name);
  // The decider's refusals first (deleted, accepted, declined, expired, not the invitee): they say the most.
  decideInvitation(command, state, { now: envelope.occurredAt });
  const invitation = (state as { resource: JsonObject }).resource;
  const scope = invitationScopeOf(name);
  if ((await deps.repository.liveResource(kind === 'ProjectInvitation' ? 'Project' : 'Organization', scope)) === undefined) {
    throw new KeystreamError('FAILED_PRECONDITION', `${scope} of ${kind} ${name} no longer exists`);
  }
  // The pipeline brought the authorization state level with the log before this call.
  const refusal = await inviterCannotGrant(deps.authorizer, invitation, acceptor);
  if (refusal !== undefined) throw new KeystreamError('PERMISSION_DENIED', `${kind} ${name} cannot be accepted: ${refusal}`);
  // And the general no-escalation rule, with the inviter as it is now: the invitee gains nothing
  // the inviter does not hold itself.
  const inviter = inviterPrincipalOf(invitation);
  if (inviter !== undefined) {
    await assertNoEscalation(deps.authorizer, inviter, rightsGainedByInvitation(scope, invitationOf(invitation), deps.index), { action: `have ${kind} ${name} accepted on its authority` });
  }

  const result = await deps.commands.decideAndAppend(kind, name, (current, context) => decideInvitation(command, current, context), envelope);
  const accepted = result.resource as JsonObject;
  const granted = await grantInvitation(deps, accepted, acceptor, { id: result.eventId ?? envelope.causationId, metadata: { correlationId: envelope.correlationId } });
  const position = granted !== '' && comparePositions(granted, result.position) > 0 ? granted : result.position;
  return { invitation: accepted, position };
}
