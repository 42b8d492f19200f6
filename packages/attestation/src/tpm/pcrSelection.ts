/**
 * TPML_PCR_SELECTION (TPM 2.0 Part 2 §10.9.7): which PCRs of which banks a quote or creation
 * covers, as bitmaps (bit n of byte n/8 = PCR n).
 */
import { AttestationInputError } from '../attestationInputError.js';
import { hashById, type TpmHash } from './tpmAlgorithms.js';
import type { TpmReader } from './tpmReader.js';

/** The PCRs of one bank. */
export interface PcrSelection {
  readonly hash: TpmHash;
  /** PCR indexes, ascending (the order their values are hashed into a digest). */
  readonly indexes: readonly number[];
}

/** Reads a TPML_PCR_SELECTION. */
export function readPcrSelections(reader: TpmReader, what: string): PcrSelection[] {
  const count = reader.u32(`${what}.count`);
  if (count > 16) throw new AttestationInputError(`${reader.structure}: ${what} lists ${count} banks, at most 16 allowed`);
  const selections: PcrSelection[] = [];
  for (let i = 0; i < count; i++) {
    const hash = hashById(reader.u16(`${what}[${i}].hash`), `${reader.structure} ${what}[${i}]`);
    const size = reader.u8(`${what}[${i}].sizeofSelect`);
    const bitmap = reader.raw(size, `${what}[${i}].pcrSelect`);
    const indexes: number[] = [];
    bitmap.forEach((byte, position) => {
      for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) indexes.push(position * 8 + bit);
    });
    selections.push({ hash, indexes });
  }
  return selections;
}
