/**
 * The life of an invitation after it is made, decided purely: accept, decline, expire, resend.
 *
 *   PENDING ──accept──▶ ACCEPTED      (by the invitee's verified email, or by its current code)
 *   PENDING ──decline─▶ DECLINED      (by the invitee)
 *   PENDING ──expire──▶ EXPIRED       (at expiration_date, by the expiry process manager)
 *   PENDING ──resend──▶ PENDING       (a new code issue; expiry pushed out)
 *
 * Accepting is refused, saying why, when the invitation was deleted, accepted, declined or has
 * expired (by the clock, even before the expiry event is written), when the caller is not the
 * invitee, or when the code is not the current one. Each transition's event carries the whole
 * invitation after it, like every event (`<Kind>Accepted` also names the acceptor and time).
 */
import { KeystreamError } from '@keystream/api';
import { invitationOf } from '../behaviours/invitation.js';
import { nextRevisionOf, type ResourceState } from '../decider/resourceState.js';
import type { Decision } from '../decider/resourceDecider.js';
import { eventTypeOf, type JsonObject } from '../events/resourceEvents.js';
import { INVITATION_ANNOTATIONS } from './invitationAnnotations.js';

/** The invitation kinds. */
export type InvitationKind = 'ProjectInvitation' | 'OrganizationInvitation';

/** How the caller proves it is the invitee. */
export type AcceptProof =
  /** Signed in with this verified email (lower-cased). */
  | { readonly by: 'email'; readonly email: string; readonly emailVerified: boolean }
  /** Presented the code of this issue. */
  | { readonly by: 'code'; readonly issue: number };

/** Commands of the invitation life cycle. */
export type InvitationCommand =
  | { readonly type: 'accept'; readonly kind: InvitationKind; readonly name: string; readonly acceptor: string; readonly proof: AcceptProof }
  | { readonly type: 'decline'; readonly kind: InvitationKind; readonly name: string; readonly decliner: string; readonly proof: AcceptProof }
  | { readonly type: 'expire'; readonly kind: InvitationKind; readonly name: string }
  | { readonly type: 'resend'; readonly kind: InvitationKind; readonly name: string; readonly expirationDate: string };

/** What the invitation deciders look at besides the command and state. */
export interface InvitationContext {
  /** Now, normalised (RFC 3339 with nanoseconds). */
  readonly now: string;
}

/** A JSON value as text for a message. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? 'unset' : JSON.stringify(value);
}

function annotationsOf(resource: JsonObject): JsonObject {
  const metadata = resource['metadata'];
  const annotations = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata['annotations'] : undefined;
  return typeof annotations === 'object' && annotations !== null && !Array.isArray(annotations) ? annotations : {};
}

/** The current code issue of an invitation (0 when none was issued). */
export function codeIssueOf(resource: JsonObject): number {
  const issue = Number(annotationsOf(resource)[INVITATION_ANNOTATIONS.codeIssue]);
  return Number.isInteger(issue) && issue > 0 ? issue : 0;
}

/** Whether an invitation is a bearer code (no named invitee). */
export function isBearerInvitation(resource: JsonObject): boolean {
  return annotationsOf(resource)[INVITATION_ANNOTATIONS.bearerCode] === 'true';
}

/** Whether a PENDING invitation has passed its expiration date at `now`. */
export function isPastExpiry(resource: JsonObject, now: string): boolean {
  const expiration = invitationOf(resource)['expirationDate'];
  return typeof expiration === 'string' && Date.parse(expiration) <= Date.parse(now);
}

function live(command: InvitationCommand, state: ResourceState): JsonObject {
  if (state.status === 'deleted') throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} was deleted (revoked) and can no longer be used`);
  if (state.status !== 'live') throw new KeystreamError('NOT_FOUND', `${command.kind} ${command.name} does not exist`);
  return state.resource;
}

/** Refuses unless the invitation is PENDING and not past its expiry. */
function assertPending(command: InvitationCommand, resource: JsonObject, now: string): void {
  const invitation = invitationOf(resource);
  const state = invitation['state'];
  const annotations = annotationsOf(resource);
  switch (state) {
    case 'PENDING':
      break;
    case 'ACCEPTED':
      throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} was already accepted${typeof annotations[INVITATION_ANNOTATIONS.acceptedTime] === 'string' ? ` at ${text(annotations[INVITATION_ANNOTATIONS.acceptedTime])}` : ''}; it can be used once`);
    case 'DECLINED':
      throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} was declined`);
    case 'EXPIRED':
      throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} expired at ${text(invitation['expirationDate'])}`);
    default:
      throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} is in state ${text(state)}, not PENDING`);
  }
  if (isPastExpiry(resource, now)) throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} expired at ${text(invitation['expirationDate'])}`);
}

/** Refuses a caller that is not the invitee. */
function assertInvitee(command: InvitationCommand & { proof: AcceptProof }, resource: JsonObject): void {
  const proof = command.proof;
  if (proof.by === 'code') {
    const current = codeIssueOf(resource);
    if (proof.issue !== current) throw new KeystreamError('PERMISSION_DENIED', `this code of ${command.kind} ${command.name} was replaced by a newer one (the invitation was resent)`);
    return;
  }
  if (isBearerInvitation(resource)) throw new KeystreamError('PERMISSION_DENIED', `${command.kind} ${command.name} has no named invitee: it is redeemed with its code (POST /v1/invitations:acceptCode)`);
  const email = invitationOf(resource)['inviteeEmail'];
  const invitee = typeof email === 'string' ? email.toLowerCase() : '';
  if (proof.email.toLowerCase() !== invitee) throw new KeystreamError('PERMISSION_DENIED', `${command.kind} ${command.name} is addressed to another email than ${proof.email}`);
  if (!proof.emailVerified) throw new KeystreamError('PERMISSION_DENIED', `${proof.email} is not verified by the identity provider; ${command.kind} ${command.name} needs a verified email, or its code`);
}

function changed(kind: InvitationKind, verb: string, state: ResourceState, before: JsonObject, invitation: JsonObject, annotations: Readonly<Record<string, string>>, now: string, extra: JsonObject = {}): Decision {
  const metadata = (before['metadata'] ?? {}) as JsonObject;
  const generation = typeof metadata['generation'] === 'number' ? metadata['generation'] : 1;
  const resource: JsonObject = {
    ...before,
    invitation,
    metadata: {
      ...metadata,
      annotations: { ...annotationsOf(before), ...annotations },
      updateTime: now,
      generation: generation + 1,
      resourceVersion: String(nextRevisionOf(state)),
    },
  };
  return { events: [{ type: eventTypeOf(kind, verb), data: { resource, updatedPaths: ['invitation', 'metadata'], ...extra } }], resource, updatedPaths: ['invitation', 'metadata'] };
}

/** Decides an invitation life-cycle command. */
export function decideInvitation(command: InvitationCommand, state: ResourceState, context: InvitationContext): Decision {
  const resource = live(command, state);
  const invitation = invitationOf(resource);
  switch (command.type) {
    case 'accept':
      assertPending(command, resource, context.now);
      assertInvitee(command, resource);
      return changed(command.kind, 'Accepted', state, resource, { ...invitation, state: 'ACCEPTED' }, {
        [INVITATION_ANNOTATIONS.acceptedBy]: command.acceptor,
        [INVITATION_ANNOTATIONS.acceptedTime]: context.now,
      }, context.now, { acceptedBy: command.acceptor, acceptedTime: context.now, proof: command.proof.by });
    case 'decline':
      assertPending(command, resource, context.now);
      assertInvitee(command, resource);
      return changed(command.kind, 'Declined', state, resource, { ...invitation, state: 'DECLINED' }, {
        [INVITATION_ANNOTATIONS.declinedBy]: command.decliner,
        [INVITATION_ANNOTATIONS.declinedTime]: context.now,
      }, context.now);
    case 'expire':
      // Only a PENDING invitation past its date expires; anything else is already settled.
      if (invitation['state'] !== 'PENDING' || !isPastExpiry(resource, context.now)) return { events: [], resource, updatedPaths: [] };
      return changed(command.kind, 'Expired', state, resource, { ...invitation, state: 'EXPIRED' }, {}, context.now);
    case 'resend': {
      assertPending(command, resource, context.now);
      if (isBearerInvitation(resource)) throw new KeystreamError('FAILED_PRECONDITION', `${command.kind} ${command.name} has no named invitee to send to`);
      const expirationDate = Date.parse(command.expirationDate) > Date.parse(text(invitation['expirationDate'])) ? command.expirationDate : invitation['expirationDate'];
      return changed(command.kind, 'Resent', state, resource, { ...invitation, expirationDate: expirationDate as string }, {
        [INVITATION_ANNOTATIONS.codeIssue]: String(codeIssueOf(resource) + 1),
      }, context.now);
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown invitation command ${JSON.stringify(unreachable)}`);
    }
  }
}
