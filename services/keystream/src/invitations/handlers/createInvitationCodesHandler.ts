/**
 * CreateProjectInvitationCodes / CreateOrganizationInvitationCodes (beyond the reference):
 * `count` codes without a named invitee, each its own invitation (the template's binding roles,
 * groups, expiry and extras) with the bearer-code annotation. Each is single-use, expires, and is
 * redeemed by the first signed-in user who presents it (AcceptInvitationCode). The codes are in
 * this answer only: a retry with the same idempotency key answers the names without codes.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import { INVITATION_ANNOTATIONS, type InvitationKind, type JsonObject } from '@keystream/domain';
import { comparePositions } from '@keystream/eventstore';
import type { HandlerResult } from '@keystream/service-api';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { rowEnvelope } from './batchCreateInvitationsHandler.js';
import { createInvitation, invitationInput } from './createInvitationHandler.js';

/** The most codes one call may make. */
export const MAX_CODES = 1000;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The handler of Create…InvitationCodes. */
export function createInvitationCodesHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const kind = call.method.resource as InvitationKind;
    const descriptor = resourceByKind(kind);
    const parent = call.request['parent'];
    if (typeof parent !== 'string' || parent === '') throw KeystreamError.invalidArgument([{ field: 'parent', description: 'required' }]);
    const count = call.request['count'];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_CODES) {
      throw KeystreamError.invalidArgument([{ field: 'count', description: `required: how many codes, 1 to ${MAX_CODES}` }]);
    }
    const key = typeof call.request['idempotencyKey'] === 'string' && call.request['idempotencyKey'] !== '' ? call.request['idempotencyKey'] : undefined;
    const template = isObject(call.request[descriptor.singular]) ? (call.request[descriptor.singular] as JsonObject) : {};
    const templateInvitation = isObject(template['invitation']) ? { ...template['invitation'] } : {};
    if (templateInvitation['inviteeEmail'] !== undefined) {
      throw KeystreamError.invalidArgument([{ field: `${descriptor.singularProto}.invitation.invitee_email`, description: 'codes have no named invitee; use Create or BatchCreate to invite someone by email' }]);
    }
    const codes: JsonObject[] = [];
    let position = '';
    for (let index = 0; index < count; index += 1) {
      const body = invitationInput(deps, { ...template, invitation: templateInvitation }, { [INVITATION_ANNOTATIONS.bearerCode]: 'true', ...(key === undefined ? {} : { [INVITATION_ANNOTATIONS.batch]: key }) });
      // The template is validated once by the first code; a bad template fails the whole call.
      const created = await createInvitation(deps, kind, parent, body, rowEnvelope(call.envelope, key === undefined ? undefined : `codes:${key}`, parent, index), call.principal);
      codes.push({ name: created.invitation['name'] as string, ...(created.code === undefined ? {} : { code: created.code }) });
      if (position === '' || comparePositions(created.position, position) > 0) position = created.position;
    }
    return { response: { codes }, position };
  };
}
