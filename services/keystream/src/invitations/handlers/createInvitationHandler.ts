/**
 * CreateProjectInvitation / CreateOrganizationInvitation: validated by the decider (email, roles
 * bindable in the scope with their params, groups in scope, expiry) and stored; then the email's
 * PENDING slot in the scope is claimed (a second PENDING invitation of the same email is
 * ALREADY_EXISTS naming the first, and the second is withdrawn); only then is its first code
 * issued (hash only) and mailed.
 * A retry with the same request id answers the stored invitation and sends nothing again.
 */
import { KeystreamError, resourceByKind, type MethodDescriptor } from '@keystream/api';
import { INVITATION_ANNOTATIONS, isReservedInvitationAnnotation, timestampAfterDays, type InvitationKind, type JsonObject } from '@keystream/domain';
import { normalizeTimestamp } from '@keystream/resource';
import { followUpEnvelope, type CommandEnvelope, type HandlerResult } from '@keystream/service-api';
import { assertNoEscalation, rightsGainedByInvitation, type Principal } from '@keystream/authz';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import { issueInvitationCode } from '../invitationCodes.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { notifyInvitee } from '../invitationNotices.js';
import { claimPendingInvitation } from '../pendingInvitations.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The invitation as the caller may give it: reserved annotations dropped, the configured default expiry. */
export function invitationInput(deps: InvitationDeps, body: JsonObject, extraAnnotations: Readonly<Record<string, string>> = {}): JsonObject {
  const metadata = isObject(body['metadata']) ? { ...body['metadata'] } : {};
  const annotations: JsonObject = {};
  if (isObject(metadata['annotations'])) for (const [key, value] of Object.entries(metadata['annotations'])) if (!isReservedInvitationAnnotation(key)) annotations[key] = value;
  Object.assign(annotations, extraAnnotations);
  if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
  else delete metadata['annotations'];
  const invitation = isObject(body['invitation']) ? { ...body['invitation'] } : {};
  if (invitation['expirationDate'] === undefined) invitation['expirationDate'] = timestampAfterDays(normalizeTimestamp(deps.clock().toISOString()), deps.validityDays);
  return { ...body, metadata, invitation };
}

/** What creating one invitation did. */
export interface CreatedInvitation {
  readonly invitation: JsonObject;
  readonly position: string;
  readonly replayed: boolean;
  readonly updatedPaths: readonly string[];
  /** The code, when this call issued one and the invitation has no named invitee (shown once). */
  readonly code?: string;
}

/** Creates one invitation: claim the email, store, issue the first code, mail it (or return it for a bearer code). */
export async function createInvitation(deps: InvitationDeps, kind: InvitationKind, parent: string, body: JsonObject, origin: CommandEnvelope, inviter: Principal): Promise<CreatedInvitation> {
  // No escalation (docs/security.md): the invitee may gain nothing the inviter does not hold. The
  // pipeline checks single creates; batch rows and bulk codes are checked here, each.
  await assertNoEscalation(deps.authorizer, inviter, rightsGainedByInvitation(parent, isObject(body['invitation']) ? body['invitation'] : undefined, deps.index), {
    action: `invite someone into ${parent} with these roles and groups`,
  });
  const name = deps.commands.nameFor({ kind, parent, resource: body }, origin);
  const email = isObject(body['invitation']) && typeof body['invitation']['inviteeEmail'] === 'string' ? body['invitation']['inviteeEmail'].toLowerCase() : undefined;
  const bearer = isObject(body['metadata']) && isObject(body['metadata']['annotations']) && body['metadata']['annotations'][INVITATION_ANNOTATIONS.bearerCode] === 'true';
  const result = await deps.commands.execute({ type: 'create', kind, resource: { ...body, name } }, origin);
  const invitation = result.resource as JsonObject;
  if (email !== undefined && !bearer) {
    // Claimed only once stored (so a claim always names a real invitation); the loser of a race
    // withdraws its own before anything is mailed.
    try {
      await claimPendingInvitation(deps, kind, parent, email, name, origin.actor);
    } catch (error) {
      if (!result.replayed) {
        await deps.commands.execute({ type: 'delete', kind, name }, followUpEnvelope(origin, result.eventId ?? origin.causationId, ':withdrawn'));
      }
      throw error;
    }
  }
  if (result.replayed) return { invitation, position: result.position, replayed: true, updatedPaths: result.updatedPaths };
  const code = await issueInvitationCode(deps, { kind, invitation: name, issue: 1 }, origin.actor, result.eventId ?? origin.causationId);
  if (bearer) return { invitation, position: result.position, replayed: false, updatedPaths: result.updatedPaths, code };
  await notifyInvitee(deps, kind, invitation, code, 1);
  return { invitation, position: result.position, replayed: false, updatedPaths: result.updatedPaths };
}

/** The handler of a Create…Invitation method. */
export function createInvitationHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const method: MethodDescriptor = call.method;
    const kind = method.resource as InvitationKind;
    const descriptor = resourceByKind(kind);
    const parent = call.request['parent'];
    if (typeof parent !== 'string' || parent === '') throw KeystreamError.invalidArgument([{ field: 'parent', description: `required: the ${kind === 'ProjectInvitation' ? 'project' : 'organization'} to invite into` }]);
    const body = isObject(call.request[descriptor.singular]) ? (call.request[descriptor.singular] as JsonObject) : {};
    const created = await createInvitation(deps, kind, parent, invitationInput(deps, body), call.envelope, call.principal);
    // The pipeline applies the request's response_mask.
    return { response: created.invitation, position: created.position, updatedPaths: created.updatedPaths };
  };
}
