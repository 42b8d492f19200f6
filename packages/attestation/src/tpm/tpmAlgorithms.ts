/**
 * The TPM_ALG_ID, TPM_ST and TPM_ECC_CURVE values keystream understands (TPM 2.0 Part 2 §6), and
 * the digest each hash algorithm maps to in node:crypto.
 */
import { AttestationInputError } from '../attestationInputError.js';

/** TPM_ALG_ID values used by EKs, AKs, quotes and event logs. */
export const TPM_ALG = {
  RSA: 0x0001,
  SHA1: 0x0004,
  AES: 0x0006,
  KEYEDHASH: 0x0008,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  ECSCHNORR: 0x001c,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  CFB: 0x0043,
} as const;

/** TPM_ST values of TPMS_ATTEST.type. */
export const TPM_ST_ATTEST = {
  NV: 0x8014,
  COMMAND_AUDIT: 0x8015,
  SESSION_AUDIT: 0x8016,
  CERTIFY: 0x8017,
  QUOTE: 0x8018,
  TIME: 0x8019,
  CREATION: 0x801a,
} as const;

/** TPM_GENERATED_VALUE: the magic of every TPMS_ATTEST the TPM produced itself ("\xffTCG"). */
export const TPM_GENERATED_VALUE = 0xff544347;

/** TPMA_OBJECT bits (Part 2 §8.3). */
export const TPMA_OBJECT = {
  fixedTPM: 1 << 1,
  stClear: 1 << 2,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  adminWithPolicy: 1 << 7,
  noDA: 1 << 10,
  encryptedDuplication: 1 << 11,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const;

/** A hash algorithm: its TPM id, node:crypto name and digest size. */
export interface TpmHash {
  readonly id: number;
  readonly name: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  readonly size: number;
  /** The name the API's DigestAlg enum gives it, when it has one. */
  readonly digestAlg?: 'SHA1' | 'SHA256';
}

const HASHES: readonly TpmHash[] = [
  { id: TPM_ALG.SHA1, name: 'sha1', size: 20, digestAlg: 'SHA1' },
  { id: TPM_ALG.SHA256, name: 'sha256', size: 32, digestAlg: 'SHA256' },
  { id: TPM_ALG.SHA384, name: 'sha384', size: 48 },
  { id: TPM_ALG.SHA512, name: 'sha512', size: 64 },
];

/** The hash with this TPM_ALG_ID, or an input error naming where it was found. */
export function hashById(id: number, where: string): TpmHash {
  const hash = HASHES.find((candidate) => candidate.id === id);
  if (hash === undefined) throw new AttestationInputError(`${where}: unsupported hash algorithm 0x${id.toString(16).padStart(4, '0')}`);
  return hash;
}

/** The hash the API's DigestAlg enum value names (SHA1, SHA256). */
export function hashByDigestAlg(digestAlg: string): TpmHash | undefined {
  return HASHES.find((candidate) => candidate.digestAlg === digestAlg);
}

/** TPM_ECC_CURVE → the JWK curve name node:crypto imports. */
export const ECC_CURVES: ReadonlyMap<number, 'P-256' | 'P-384' | 'P-521'> = new Map([
  [0x0003, 'P-256'],
  [0x0004, 'P-384'],
  [0x0005, 'P-521'],
]);
