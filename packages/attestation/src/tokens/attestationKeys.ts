/**
 * The keys of attestation, all derived (HKDF-SHA-256) from one deployment secret that every api
 * process shares: one to sign challenge tickets, one to encrypt them, one to sign attestation
 * tokens. Separate keys keep a ticket from ever passing as a token and the reverse.
 */
import { hkdfSync } from 'node:crypto';

/** Derived key material. */
export interface AttestationKeys {
  readonly ticketSigning: Uint8Array;
  readonly ticketEncryption: Uint8Array;
  readonly tokenSigning: Uint8Array;
}

/** Derives the keys from a secret of at least 32 bytes. */
export function deriveAttestationKeys(secret: Uint8Array | string): AttestationKeys {
  const material = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (material.length < 32) throw new RangeError(`the attestation secret must have at least 32 bytes, got ${material.length}`);
  const derive = (info: string): Uint8Array => new Uint8Array(hkdfSync('sha256', material, 'keystream-attestation', info, 32));
  return { ticketSigning: derive('challenge ticket signing'), ticketEncryption: derive('challenge ticket encryption'), tokenSigning: derive('attestation token signing') };
}
