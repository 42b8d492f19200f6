/**
 * TPMS_CREATION_DATA (TPM 2.0 Part 2 §15.1): the state of the TPM when a key was created, which
 * TPM2_CertifyCreation binds to the key through its hash.
 */
import { readPcrSelections, type PcrSelection } from './pcrSelection.js';
import { TpmReader } from './tpmReader.js';

/** A parsed TPMS_CREATION_DATA. */
export interface TpmsCreationData {
  readonly pcrSelect: readonly PcrSelection[];
  readonly pcrDigest: Buffer;
  readonly locality: number;
  readonly parentNameAlg: number;
  readonly parentName: Buffer;
  readonly parentQualifiedName: Buffer;
  readonly outsideInfo: Buffer;
}

/** Parses a TPMS_CREATION_DATA (not size-prefixed). */
export function parseCreationData(bytes: Uint8Array): TpmsCreationData {
  const reader = new TpmReader(bytes, 'TPMS_CREATION_DATA');
  const data: TpmsCreationData = {
    pcrSelect: readPcrSelections(reader, 'pcrSelect'),
    pcrDigest: reader.tpm2b('pcrDigest', 64),
    locality: reader.u8('locality'),
    parentNameAlg: reader.u16('parentNameAlg'),
    parentName: reader.tpm2b('parentName'),
    parentQualifiedName: reader.tpm2b('parentQualifiedName'),
    outsideInfo: reader.tpm2b('outsideInfo'),
  };
  reader.end();
  return data;
}
