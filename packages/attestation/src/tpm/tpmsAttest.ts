/**
 * TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12): what a TPM signs for TPM2_Quote, TPM2_Certify and
 * TPM2_CertifyCreation. Only those three kinds are decoded; the others are refused.
 */
import { AttestationInputError } from '../attestationInputError.js';
import { TPM_GENERATED_VALUE, TPM_ST_ATTEST } from './tpmAlgorithms.js';
import { readPcrSelections, type PcrSelection } from './pcrSelection.js';
import { TpmReader } from './tpmReader.js';

/** The attested part of a quote. */
export interface QuoteInfo {
  readonly kind: 'quote';
  readonly pcrSelect: readonly PcrSelection[];
  readonly pcrDigest: Buffer;
}

/** The attested part of TPM2_Certify. */
export interface CertifyInfo {
  readonly kind: 'certify';
  readonly name: Buffer;
  readonly qualifiedName: Buffer;
}

/** The attested part of TPM2_CertifyCreation. */
export interface CreationInfo {
  readonly kind: 'creation';
  readonly objectName: Buffer;
  readonly creationHash: Buffer;
}

/** A parsed TPMS_ATTEST. */
export interface TpmsAttest {
  readonly magic: number;
  readonly qualifiedSigner: Buffer;
  readonly extraData: Buffer;
  readonly clock: bigint;
  readonly resetCount: number;
  readonly restartCount: number;
  readonly safe: boolean;
  readonly firmwareVersion: bigint;
  readonly attested: QuoteInfo | CertifyInfo | CreationInfo;
}

/** Parses a TPMS_ATTEST (not size-prefixed). The magic is returned, not checked: checking it is a verification step. */
export function parseTpmsAttest(bytes: Uint8Array, structure = 'TPMS_ATTEST'): TpmsAttest {
  const reader = new TpmReader(bytes, structure);
  const magic = reader.u32('magic');
  const type = reader.u16('type');
  const qualifiedSigner = reader.tpm2b('qualifiedSigner');
  const extraData = reader.tpm2b('extraData', 64);
  const clock = reader.u64('clockInfo.clock');
  const resetCount = reader.u32('clockInfo.resetCount');
  const restartCount = reader.u32('clockInfo.restartCount');
  const safe = reader.u8('clockInfo.safe') !== 0;
  const firmwareVersion = reader.u64('firmwareVersion');
  let attested: TpmsAttest['attested'];
  switch (type) {
    case TPM_ST_ATTEST.QUOTE:
      attested = { kind: 'quote', pcrSelect: readPcrSelections(reader, 'attested.quote.pcrSelect'), pcrDigest: reader.tpm2b('attested.quote.pcrDigest', 64) };
      break;
    case TPM_ST_ATTEST.CERTIFY:
      attested = { kind: 'certify', name: reader.tpm2b('attested.certify.name'), qualifiedName: reader.tpm2b('attested.certify.qualifiedName') };
      break;
    case TPM_ST_ATTEST.CREATION:
      attested = { kind: 'creation', objectName: reader.tpm2b('attested.creation.objectName'), creationHash: reader.tpm2b('attested.creation.creationHash', 64) };
      break;
    default:
      throw new AttestationInputError(`${structure}: type 0x${type.toString(16)} is not a quote, certify or creation attestation`);
  }
  reader.end();
  return { magic, qualifiedSigner, extraData, clock, resetCount, restartCount, safe, firmwareVersion, attested };
}

/** True when the TPM itself produced the structure (not data the caller had the key sign). */
export function isTpmGenerated(attest: TpmsAttest): boolean {
  return attest.magic === TPM_GENERATED_VALUE;
}
