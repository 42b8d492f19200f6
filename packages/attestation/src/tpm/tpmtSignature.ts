/**
 * TPMT_SIGNATURE (TPM 2.0 Part 2 §11.3.4) and its verification with node:crypto. RSASSA-PKCS1-v1_5,
 * RSA-PSS and ECDSA are supported; the digest is the scheme's hash over the signed bytes.
 */
import { createVerify, constants, type KeyObject } from 'node:crypto';
import { AttestationInputError } from '../attestationInputError.js';
import { TpmReader } from './tpmReader.js';
import { hashById, TPM_ALG, type TpmHash } from './tpmAlgorithms.js';

/** A parsed TPMT_SIGNATURE. */
export interface TpmtSignature {
  readonly sigAlg: 'rsassa' | 'rsapss' | 'ecdsa';
  readonly hash: TpmHash;
  /** RSA: the signature; ECDSA: r ‖ s as the TPM sent them (see `ecdsaParts`). */
  readonly signature: Buffer;
  /** ECDSA only: r and s, each without padding. */
  readonly ecdsaParts?: { readonly r: Buffer; readonly s: Buffer };
}

const CURVE_BYTES: Readonly<Record<string, number>> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };

/** Parses a TPMT_SIGNATURE. */
export function parseTpmtSignature(bytes: Uint8Array, structure = 'TPMT_SIGNATURE'): TpmtSignature {
  const reader = new TpmReader(bytes, structure);
  const sigAlg = reader.u16('sigAlg');
  let result: TpmtSignature;
  if (sigAlg === TPM_ALG.RSASSA || sigAlg === TPM_ALG.RSAPSS) {
    const hash = hashById(reader.u16('hash'), structure);
    result = { sigAlg: sigAlg === TPM_ALG.RSASSA ? 'rsassa' : 'rsapss', hash, signature: reader.tpm2b('sig', 1024) };
  } else if (sigAlg === TPM_ALG.ECDSA) {
    const hash = hashById(reader.u16('hash'), structure);
    const r = reader.tpm2b('signatureR', 128);
    const s = reader.tpm2b('signatureS', 128);
    result = { sigAlg: 'ecdsa', hash, signature: Buffer.concat([r, s]), ecdsaParts: { r, s } };
  } else {
    throw new AttestationInputError(`${structure}: signature algorithm 0x${sigAlg.toString(16)} is not RSASSA, RSAPSS or ECDSA`);
  }
  reader.end();
  return result;
}

/** True when `signature` is the key's signature over `message`. */
export function verifyTpmSignature(key: KeyObject, message: Uint8Array, signature: TpmtSignature): boolean {
  const verifier = createVerify(signature.hash.name).update(message);
  if (signature.sigAlg === 'rsapss') {
    // TPMs use the largest salt the key allows or the digest size; AUTO accepts both.
    return verifier.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature.signature);
  }
  if (signature.sigAlg === 'ecdsa') {
    // An ECDSA signature from an RSA key (or the reverse) is a mismatch, not an exception.
    const size = CURVE_BYTES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    const parts = signature.ecdsaParts;
    if (key.asymmetricKeyType !== 'ec' || size === undefined || parts === undefined) return false;
    if (parts.r.length > size || parts.s.length > size) return false;
    const p1363 = Buffer.concat([Buffer.alloc(size - parts.r.length), parts.r, Buffer.alloc(size - parts.s.length), parts.s]);
    return verifier.verify({ key, dsaEncoding: 'ieee-p1363' }, p1363);
  }
  if (key.asymmetricKeyType !== 'rsa') return false;
  return verifier.verify(key, signature.signature);
}
