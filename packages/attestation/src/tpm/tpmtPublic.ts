/**
 * TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4): the public area of an RSA or ECC key, its TPM Name
 * (nameAlg ‖ H_nameAlg(TPMT_PUBLIC)) and its key as a node:crypto KeyObject.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AttestationInputError } from '../attestationInputError.js';
import { TpmReader } from './tpmReader.js';
import { ECC_CURVES, hashById, TPM_ALG, type TpmHash } from './tpmAlgorithms.js';

/** The signing scheme a key is restricted to (TPM_ALG_NULL when it is not). */
export interface TpmScheme {
  readonly scheme: number;
  /** The scheme's hash algorithm (undefined for TPM_ALG_NULL). */
  readonly hashAlg?: number;
}

/** A parsed TPMT_PUBLIC. */
export interface TpmtPublic {
  readonly type: 'rsa' | 'ecc';
  readonly nameAlg: TpmHash;
  readonly objectAttributes: number;
  readonly authPolicy: Buffer;
  readonly scheme: TpmScheme;
  /** The public key. */
  readonly key: KeyObject;
  /** The TPM Name: nameAlg (16 bits) ‖ digest of the marshalled TPMT_PUBLIC. */
  readonly name: Buffer;
  /** The exact bytes parsed. */
  readonly bytes: Buffer;
}

function readSymmetric(reader: TpmReader): void {
  const algorithm = reader.u16('parameters.symmetric.algorithm');
  if (algorithm !== TPM_ALG.NULL) {
    reader.u16('parameters.symmetric.keyBits');
    reader.u16('parameters.symmetric.mode');
  }
}

function readScheme(reader: TpmReader, what: string): TpmScheme {
  const scheme = reader.u16(`${what}.scheme`);
  if (scheme === TPM_ALG.NULL || scheme === TPM_ALG.RSAES) return { scheme };
  const hashAlg = reader.u16(`${what}.hashAlg`);
  if (scheme === TPM_ALG.ECDAA) reader.u16(`${what}.count`);
  return { scheme, hashAlg };
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Parses a TPMT_PUBLIC (not size-prefixed). Only RSA and ECC keys are accepted. */
export function parseTpmtPublic(bytes: Uint8Array): TpmtPublic {
  const reader = new TpmReader(bytes, 'TPMT_PUBLIC');
  const type = reader.u16('type');
  const nameAlg = hashById(reader.u16('nameAlg'), 'TPMT_PUBLIC.nameAlg');
  const objectAttributes = reader.u32('objectAttributes');
  const authPolicy = reader.tpm2b('authPolicy', 64);
  let key: KeyObject;
  let scheme: TpmScheme;
  let keyType: 'rsa' | 'ecc';
  if (type === TPM_ALG.RSA) {
    keyType = 'rsa';
    readSymmetric(reader);
    scheme = readScheme(reader, 'parameters.scheme');
    const keyBits = reader.u16('parameters.keyBits');
    const exponent = reader.u32('parameters.exponent') || 65537;
    const modulus = reader.tpm2b('unique.rsa', 1024);
    if (modulus.length * 8 !== keyBits) throw new AttestationInputError(`TPMT_PUBLIC: modulus is ${modulus.length * 8} bits, keyBits says ${keyBits}`);
    const e = Buffer.alloc(4);
    e.writeUInt32BE(exponent, 0);
    key = createPublicKey({ key: { kty: 'RSA', n: base64url(modulus), e: base64url(e.subarray(e.findIndex((byte) => byte !== 0))) }, format: 'jwk' });
  } else if (type === TPM_ALG.ECC) {
    keyType = 'ecc';
    readSymmetric(reader);
    scheme = readScheme(reader, 'parameters.scheme');
    const curveId = reader.u16('parameters.curveID');
    readScheme(reader, 'parameters.kdf');
    const x = reader.tpm2b('unique.ecc.x', 128);
    const y = reader.tpm2b('unique.ecc.y', 128);
    const crv = ECC_CURVES.get(curveId);
    if (crv === undefined) throw new AttestationInputError(`TPMT_PUBLIC: unsupported ECC curve 0x${curveId.toString(16)}`);
    key = createPublicKey({ key: { kty: 'EC', crv, x: base64url(x), y: base64url(y) }, format: 'jwk' });
  } else {
    throw new AttestationInputError(`TPMT_PUBLIC: key type 0x${type.toString(16).padStart(4, '0')} is not RSA or ECC`);
  }
  reader.end();
  const exact = Buffer.from(bytes);
  const name = Buffer.concat([Buffer.from([nameAlg.id >> 8, nameAlg.id & 0xff]), createHash(nameAlg.name).update(exact).digest()]);
  return { type: keyType, nameAlg, objectAttributes, authPolicy, scheme, key, name, bytes: exact };
}
