/**
 * PEM certificate lists (a policy's `manufacturer_root_ca_certs_pem` is several PEM blocks
 * concatenated), decoded to DER and parsed with pkijs.
 */
import * as pkijs from 'pkijs';
import { AttestationInputError } from '../attestationInputError.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** Parses DER bytes as an X.509 certificate. */
export function parseCertificateDer(der: Uint8Array, what: string): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(Uint8Array.from(der));
  } catch (error) {
    throw new AttestationInputError(`${what} is not a DER X.509 certificate: ${(error as Error).message}`);
  }
}

/** Every certificate of a PEM list; text that holds none is an error naming `what`. */
export function parsePemCertificates(pem: string, what: string): pkijs.Certificate[] {
  // Policies written as JSON strings sometimes carry literal "\n" sequences (the reference's awk recipe).
  const text = pem.replace(/\\n/g, '\n');
  const certificates: pkijs.Certificate[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const der = Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64');
    certificates.push(parseCertificateDer(der, `${what} certificate ${certificates.length + 1}`));
  }
  if (certificates.length === 0) throw new AttestationInputError(`${what} holds no PEM certificate`);
  return certificates;
}
