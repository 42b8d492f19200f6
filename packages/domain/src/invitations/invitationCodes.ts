/**
 * Accept codes are bearer secrets: ≥ 128 random bits (keystream makes 256), shown to the invitee
 * once (in the mail, or in the answer for bulk codes) and stored only as a hash. An internal
 * stream per hash, `InvitationCodeHash-<sha256 hex>`, holds one `InvitationCodeIssued` event with
 * the invitation's kind and name and the issue number of the code; the invitation's
 * `code-issue` annotation says which issue is current, so a resend makes every older code useless.
 * The event carries no `resource`: it projects to nothing, and the code itself never enters the log.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JsonObject } from '../events/resourceEvents.js';

/** Prefix of every accept code, so a leaked one is recognisable (and scanners can find it). */
export const INVITATION_CODE_PREFIX = 'ksi_';
/** Kind part of the internal stream. */
export const INVITATION_CODE_HASH_KIND = 'InvitationCodeHash';
/** The event that registers a code's hash. */
export const INVITATION_CODE_ISSUED = 'InvitationCodeIssued';

const HASH = /^[0-9a-f]{64}$/;
const CODE = /^ksi_[A-Za-z0-9_-]{43}$/;

/** SHA-256 of a code, lower-case hex; undefined for anything that is not shaped like a code. */
export function hashInvitationCode(code: string): string | undefined {
  if (!CODE.test(code)) return undefined;
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** The stream holding the registration of one code hash. */
export function invitationCodeStreamOf(hash: string): string {
  if (!HASH.test(hash)) throw new Error('a code hash is 64 lower-case hex digits (SHA-256)');
  return `${INVITATION_CODE_HASH_KIND}-${hash}`;
}

/** What a code stands for. */
export interface InvitationCodeRegistration {
  readonly kind: 'ProjectInvitation' | 'OrganizationInvitation';
  readonly invitation: string;
  /** The issue number of the code (1 for the first, +1 per resend). */
  readonly issue: number;
}

/** Data of the registration event (never the code). */
export function invitationCodeIssuedData(registration: InvitationCodeRegistration): JsonObject {
  return { kind: registration.kind, invitation: registration.invitation, issue: registration.issue };
}

/** The registration an event holds, if it is one. */
export function registrationOf(event: { readonly type: string; readonly data: Readonly<Record<string, unknown>> }): InvitationCodeRegistration | undefined {
  if (event.type !== INVITATION_CODE_ISSUED) return undefined;
  const { kind, invitation, issue } = event.data;
  if ((kind !== 'ProjectInvitation' && kind !== 'OrganizationInvitation') || typeof invitation !== 'string' || typeof issue !== 'number') return undefined;
  return { kind, invitation, issue };
}

/** A fresh code: `ksi_` and 256 random bits, base64url. */
export function generateInvitationCode(): string {
  return `${INVITATION_CODE_PREFIX}${randomBytes(32).toString('base64url')}`;
}
