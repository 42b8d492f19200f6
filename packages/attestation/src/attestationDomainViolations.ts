/**
 * What an AttestationDomain must satisfy when written, beyond its schema: every policy's
 * manufacturer certificates parse, its expected PCRs are sane (known bank, index 0..23, a digest
 * of the bank's size, each index/bank once — the reference asks the verifier for these checks),
 * and every enrolled key is a public key. Refused at write time, these would otherwise only show
 * as a policy that can never pass.
 */
import { createPublicKey } from 'node:crypto';
import type { FieldViolation } from '@keystream/api';
import { parsePemCertificates } from './ek/pemCertificates.js';
import { decodePcrs, type PcrMessage } from './quote/pcrValues.js';

/** Most expected PCRs a policy may list: 24 PCRs in each of the two banks the API names. */
const MAX_EXPECTED_PCRS = 48;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Violations of `domain` (internal form), named by proto field path under `attestation_domain`. */
export function attestationDomainViolations(domain: Readonly<Record<string, unknown>>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const policies = Array.isArray(domain['policies']) ? domain['policies'] : [];
  policies.forEach((policy: unknown, index) => {
    if (!isObject(policy)) return;
    const at = `attestation_domain.policies[${index}]`;
    const pem = policy['manufacturerRootCaCertsPem'];
    if (typeof pem === 'string' && pem.trim() !== '') {
      try {
        parsePemCertificates(pem, 'the text');
      } catch (error) {
        violations.push({ field: `${at}.manufacturer_root_ca_certs_pem`, description: `expected PEM certificates: ${(error as Error).message}` });
      }
    }
    const expected = Array.isArray(policy['expectedPcrs']) ? (policy['expectedPcrs'] as PcrMessage[]) : [];
    if (expected.length > MAX_EXPECTED_PCRS) violations.push({ field: `${at}.expected_pcrs`, description: `lists ${expected.length} PCRs; at most ${MAX_EXPECTED_PCRS} (24 per bank)` });
    else {
      try {
        decodePcrs(expected, `${at}.expected_pcrs`);
      } catch (error) {
        const message = (error as Error).message;
        const colon = message.indexOf(': ');
        violations.push(colon > 0 ? { field: message.slice(0, colon).replace('digestHex', 'digest_hex').replace('digestAlg', 'digest_alg'), description: message.slice(colon + 2) } : { field: `${at}.expected_pcrs`, description: message });
      }
    }
  });
  const enrolled = Array.isArray(domain['enrollmentList']) ? domain['enrollmentList'] : [];
  enrolled.forEach((entry: unknown, index) => {
    const pem = isObject(entry) ? entry['pubkeyPem'] : undefined;
    try {
      if (typeof pem !== 'string' || pem.trim() === '') throw new Error('required');
      createPublicKey(pem);
    } catch (error) {
      violations.push({ field: `attestation_domain.enrollment_list[${index}].pubkey_pem`, description: `expected a PEM public key (tpm2_createek -f pem): ${(error as Error).message === 'required' ? 'missing' : 'does not parse'}` });
    }
  });
  return violations;
}
