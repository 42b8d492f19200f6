/**
 * BatchCreateProjectInvitations / BatchCreateOrganizationInvitations (beyond the reference):
 * invites up to 1,000 people in one call and answers one result per row, in row order: CREATED
 * (with the name), ALREADY_INVITED (with the PENDING invitation's name) or INVALID (with the
 * reason). Rows are independent: one bad row does not stop the others. With `idempotency_key`
 * every row gets a request id derived from it, so a retried batch creates (and mails) nothing
 * twice and answers each row as the first attempt did.
 */
import { isKeystreamError, KeystreamError, resourceByKind } from '@keystream/api';
import { INVITATION_ANNOTATIONS, type InvitationKind, type JsonObject } from '@keystream/domain';
import { comparePositions } from '@keystream/eventstore';
import type { CommandEnvelope, HandlerResult } from '@keystream/service-api';
import { createHash } from 'node:crypto';
import type { HandlerCall, MethodHandler } from '../../methods/methodHandler.js';
import type { InvitationDeps } from '../invitationDeps.js';
import { createInvitation, invitationInput } from './createInvitationHandler.js';

/** The most rows one batch may hold. */
export const MAX_BATCH_ROWS = 1000;
/** Rows worked on at once (each is a few event-store round trips). */
const CONCURRENCY = 8;

const KEY = /^[A-Za-z0-9._:@-]{1,100}$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request id of one row of a keyed batch: stable for the same key, scope and row. */
export function rowRequestId(key: string, parent: string, row: number): string {
  return `batch.${createHash('sha256').update(`${key}\n${parent}`).digest('hex').slice(0, 32)}.${row}`;
}

/**
 * The envelope of one row: its own idempotency key, derived from the batch's key (or the caller's
 * request id) and the row, so rows never share event ids and a retried batch finds each row.
 */
export function rowEnvelope(batch: CommandEnvelope, key: string | undefined, parent: string, row: number): CommandEnvelope {
  const base = key ?? batch.idempotencyKey;
  const rowKey = base === undefined ? undefined : rowRequestId(base, parent, row);
  return { ...batch, requestId: rowKey ?? `${batch.requestId}.${row}`, idempotencyKey: rowKey };
}

/** The handler of BatchCreate…Invitations. */
export function batchCreateInvitationsHandler(deps: InvitationDeps): MethodHandler {
  return async (call: HandlerCall): Promise<HandlerResult<unknown>> => {
    const kind = call.method.resource as InvitationKind;
    const descriptor = resourceByKind(kind);
    const parent = call.request['parent'];
    if (typeof parent !== 'string' || parent === '') throw KeystreamError.invalidArgument([{ field: 'parent', description: 'required' }]);
    const listField = `${descriptor.singular}s`;
    const rows = Array.isArray(call.request[listField]) ? (call.request[listField] as unknown[]) : [];
    if (rows.length === 0) throw KeystreamError.invalidArgument([{ field: descriptor.singularProto + 's', description: 'required: at least one invitation' }]);
    if (rows.length > MAX_BATCH_ROWS) throw KeystreamError.invalidArgument([{ field: descriptor.singularProto + 's', description: `at most ${MAX_BATCH_ROWS} invitations per batch, got ${rows.length}` }]);
    const key = call.request['idempotencyKey'];
    if (key !== undefined && (typeof key !== 'string' || !KEY.test(key))) throw KeystreamError.invalidArgument([{ field: 'idempotency_key', description: 'expected 1–100 characters of A-Z a-z 0-9 . _ : @ -' }]);
    const results: JsonObject[] = new Array<JsonObject>(rows.length);
    let position = '';
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let row = next++; row < rows.length; row = next++) {
        const body = rows[row];
        const envelope = rowEnvelope(call.envelope, typeof key === 'string' ? key : undefined, parent, row);
        try {
          if (!isObject(body)) throw KeystreamError.invalidArgument([{ field: `${listField}[${row}]`, description: 'expected an invitation object' }]);
          const input = invitationInput(deps, body, typeof key === 'string' ? { [INVITATION_ANNOTATIONS.batch]: key } : {});
          const created = await createInvitation(deps, kind, parent, input, envelope, call.principal);
          results[row] = { row, status: 'CREATED', name: created.invitation['name'] as string };
          if (position === '' || comparePositions(created.position, position) > 0) position = created.position;
        } catch (error) {
          if (!isKeystreamError(error)) throw error;
          const existing = error.code === 'ALREADY_EXISTS' ? (error.details.find((detail) => detail['resourceName'] !== undefined)?.['resourceName'] as string | undefined) : undefined;
          results[row] =
            error.code === 'ALREADY_EXISTS'
              ? { row, status: 'ALREADY_INVITED', ...(existing === undefined ? {} : { name: existing }), reason: error.message }
              : { row, status: 'INVALID', reason: error.message };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    return { response: { results }, position };
  };
}
