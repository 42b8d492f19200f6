/**
 * The challenge ticket: what the second half of a Verify exchange needs to know about the first
 * (domain, subject, nonce, the activation secret, the EK and AK), carried by the client so any api
 * process can finish an exchange another one started. It is a JWT signed (HS256) and then
 * encrypted (JWE dir + A256GCM), because it holds the activation secret the client must prove it
 * can recover from its TPM, and it expires after a short time.
 */
import { randomUUID } from 'node:crypto';
import { compactDecrypt, CompactEncrypt, jwtVerify, SignJWT } from 'jose';
import type { AttestationKeys } from './attestationKeys.js';

/** What a ticket carries (bytes as base64). */
export interface ChallengeTicketClaims {
  /** The attestation domain name. */
  readonly domain: string;
  /** The subject the token will be issued to. */
  readonly subject: string;
  readonly nonce: string;
  readonly secret: string;
  /** EK public key, SPKI DER (when the client sent no certificate). */
  readonly ekpub?: string | undefined;
  /** EK certificate DER, when the client sent one (its key is the EK). */
  readonly ekcert?: string | undefined;
  /** AK TPMT_PUBLIC. */
  readonly akpub: string;
}

/** An opened ticket: its claims, id (single use) and expiry. */
export interface OpenedTicket {
  readonly claims: ChallengeTicketClaims;
  readonly id: string;
  readonly expiresAt: Date;
}

const TICKET_TYPE = 'keystream-attestation-ticket';
const ISSUER = 'keystream';

/** Why a ticket was refused. */
export class TicketError extends Error {
  override readonly name = 'TicketError';
  constructor(
    readonly check: 'ticket_expired' | 'ticket_invalid',
    message: string,
  ) {
    super(message);
  }
}

/** Seals a ticket that expires `ttlSeconds` after `now`. */
export async function sealChallengeTicket(keys: AttestationKeys, claims: ChallengeTicketClaims, now: Date, ttlSeconds: number): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const signed = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: TICKET_TYPE })
    .setIssuer(ISSUER)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keys.ticketSigning);
  return new CompactEncrypt(new TextEncoder().encode(signed)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(keys.ticketEncryption);
}

/** Opens a ticket: decrypts, verifies the signature and expiry at `now`; throws TicketError otherwise. */
export async function openChallengeTicket(keys: AttestationKeys, ticket: string, now: Date): Promise<OpenedTicket> {
  let signed: string;
  try {
    const { plaintext } = await compactDecrypt(ticket, keys.ticketEncryption, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    signed = new TextDecoder().decode(plaintext);
  } catch {
    throw new TicketError('ticket_invalid', 'the challenge ticket was not issued by this deployment or was altered');
  }
  try {
    const { payload } = await jwtVerify(signed, keys.ticketSigning, { algorithms: ['HS256'], issuer: ISSUER, typ: TICKET_TYPE, currentDate: now, clockTolerance: 0 });
    const claim = (key: string): string => {
      const value = payload[key];
      if (typeof value !== 'string') throw new TicketError('ticket_invalid', `the challenge ticket lacks its ${key}`);
      return value;
    };
    const ekcert = payload['ekcert'];
    const ekpub = payload['ekpub'];
    const optional = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';
    if (typeof payload.exp !== 'number' || !optional(ekcert) || !optional(ekpub) || (ekcert === undefined) === (ekpub === undefined)) throw new TicketError('ticket_invalid', 'the challenge ticket lacks claims');
    return {
      claims: { domain: claim('domain'), subject: claim('subject'), nonce: claim('nonce'), secret: claim('secret'), ekpub, ekcert, akpub: claim('akpub') },
      id: claim('jti'),
      expiresAt: new Date(payload.exp * 1000),
    };
  } catch (error) {
    if (error instanceof TicketError) throw error;
    if ((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED') throw new TicketError('ticket_expired', 'the challenge ticket has expired: ask for a new challenge');
    throw new TicketError('ticket_invalid', 'the challenge ticket was not issued by this deployment or was altered');
  }
}
