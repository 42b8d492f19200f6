/**
 * PCR values as the API carries them (`PCR {index, digest_hex, digest_alg}`), keyed by bank and
 * index, and the digest a quote computes over a selection of them.
 */
import { createHash } from 'node:crypto';
import { AttestationInputError } from '../attestationInputError.js';
import type { PcrSelection } from '../tpm/pcrSelection.js';
import { hashByDigestAlg, type TpmHash } from '../tpm/tpmAlgorithms.js';

/** A PCR in the API's internal form. */
export interface PcrMessage {
  readonly index?: number | undefined;
  readonly digestHex?: string | undefined;
  readonly digestAlg?: string | undefined;
  readonly comment?: string | undefined;
}

/** Highest PCR index a TPM 2.0 PC client platform has (24 PCRs). */
const MAX_PCR_INDEX = 23;

/** PCR values by `${bank}:${index}` (bank = node:crypto hash name). */
export type PcrValues = ReadonlyMap<string, Buffer>;

/** The map key of a PCR. */
export function pcrKey(hash: TpmHash, index: number): string {
  return `${hash.name}:${index}`;
}

/**
 * Decodes a PCR list; `field` names it in errors. Index/bank pairs must be unique and digests
 * the bank's size (the sanity checks the reference asks of expected_pcrs apply to every list).
 */
export function decodePcrs(pcrs: readonly PcrMessage[], field: string): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  pcrs.forEach((pcr, position) => {
    const where = `${field}[${position}]`;
    const hash = hashByDigestAlg(pcr.digestAlg ?? 'SHA1');
    if (hash === undefined) throw new AttestationInputError(`${where}.digestAlg: ${String(pcr.digestAlg)} is not SHA1 or SHA256`);
    const index = pcr.index ?? 0;
    if (!Number.isInteger(index) || index < 0 || index > MAX_PCR_INDEX) throw new AttestationInputError(`${where}.index: ${index} is not a PCR index (0..${MAX_PCR_INDEX})`);
    const hex = (pcr.digestHex ?? '').replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== hash.size * 2) {
      throw new AttestationInputError(`${where}.digestHex: expected ${hash.size * 2} hexadecimal digits for ${hash.digestAlg ?? hash.name}, got ${JSON.stringify(pcr.digestHex ?? '')}`);
    }
    const key = pcrKey(hash, index);
    if (values.has(key)) throw new AttestationInputError(`${where}: PCR ${index} of bank ${hash.digestAlg ?? hash.name} is listed twice`);
    values.set(key, Buffer.from(hex, 'hex'));
  });
  return values;
}

/**
 * The digest TPM2_Quote signs over a PCR selection: the hash (the signing scheme's) of the
 * selected values concatenated bank by bank, index ascending. Undefined when a selected PCR
 * was not reported (its key is returned so the failure can name it).
 */
export function selectionDigest(selections: readonly PcrSelection[], values: PcrValues, hash: TpmHash): { digest: Buffer } | { missing: string } {
  const digest = createHash(hash.name);
  for (const selection of selections) {
    for (const index of selection.indexes) {
      const value = values.get(pcrKey(selection.hash, index));
      if (value === undefined) return { missing: `PCR ${index} of bank ${selection.hash.digestAlg ?? selection.hash.name}` };
      digest.update(value);
    }
  }
  return { digest: digest.digest() };
}
