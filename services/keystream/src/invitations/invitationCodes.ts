/**
 * Issues accept codes (the secret goes to the caller of issue(), only its hash to the log) and
 * finds what a presented code stands for.
 */
import {
  INVITATION_CODE_ISSUED,
  generateInvitationCode,
  hashInvitationCode,
  invitationCodeIssuedData,
  invitationCodeStreamOf,
  registrationOf,
  type InvitationCodeRegistration,
} from '@keystream/domain';
import { randomUUID } from 'node:crypto';
import type { InvitationDeps } from './invitationDeps.js';

/** Makes a code for an issue of an invitation and registers its hash; returns the code (shown once). */
export async function issueInvitationCode(deps: InvitationDeps, registration: InvitationCodeRegistration, actor: string, causationId: string): Promise<string> {
  const code = generateInvitationCode();
  const hash = hashInvitationCode(code) as string;
  const id = randomUUID();
  await deps.eventStore.append(
    invitationCodeStreamOf(hash),
    [{ id, type: INVITATION_CODE_ISSUED, data: invitationCodeIssuedData(registration), metadata: { actor, requestId: id, correlationId: causationId, causationId, occurredAt: deps.clock().toISOString(), schema: 1 } }],
    'no_stream',
  );
  return code;
}

/** What a presented code stands for; undefined when it is no code keystream issued. */
export async function registrationOfCode(deps: InvitationDeps, code: string): Promise<InvitationCodeRegistration | undefined> {
  const hash = hashInvitationCode(code);
  if (hash === undefined) return undefined;
  const [event] = await deps.eventStore.readStream(invitationCodeStreamOf(hash), { limit: 1 });
  return event === undefined ? undefined : registrationOf(event);
}
