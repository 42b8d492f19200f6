/**
 * The verifier's half of TPM 2.0 credential protection (Part 1 §24, the TPM2_MakeCredential
 * computation done in software): a secret only the TPM holding the EK can recover, and only for
 * the key whose Name it is bound to. The TPM proves both by returning the secret from
 * TPM2_ActivateCredential.
 *
 * Only RSA EKs with the default EK template (nameAlg SHA-256, AES-128-CFB) are supported; the
 * API reference says the same of its TPM20_CREDENTIAL format.
 */
import { createCipheriv, createHmac, publicEncrypt, constants, randomBytes, type KeyObject } from 'node:crypto';
import { AttestationInputError } from '../attestationInputError.js';
import { kdfa } from './kdfa.js';
import { hashById, TPM_ALG } from './tpmAlgorithms.js';
import { tpm2b } from './tpmReader.js';

/** TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, both size-prefixed, as TPM2_ActivateCredential takes them. */
export interface CredentialBlob {
  readonly idObject: Buffer;
  readonly encryptedSecret: Buffer;
}

/** The label of the seed's OAEP encryption, terminating NUL included (Part 1 §24.4). */
const IDENTITY_LABEL = Buffer.from('IDENTITY\0', 'ascii');
/** The default EK template's symmetric key: AES-128. */
const EK_SYMMETRIC_BITS = 128;

/**
 * Protects `secret` (at most the digest size of the EK's name algorithm) for the object named
 * `objectName` under the RSA EK `ekPublic`.
 */
export function makeCredential(ekPublic: KeyObject, objectName: Uint8Array, secret: Uint8Array, seed: Uint8Array = randomBytes(32)): CredentialBlob {
  if (ekPublic.asymmetricKeyType !== 'rsa') throw new AttestationInputError(`credential activation needs an RSA EK, got ${String(ekPublic.asymmetricKeyType)}`);
  const nameAlg = hashById(TPM_ALG.SHA256, 'EK nameAlg');
  if (secret.length > nameAlg.size) throw new RangeError(`the credential is at most ${nameAlg.size} bytes`);
  const encryptedSeed = publicEncrypt({ key: ekPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: nameAlg.name, oaepLabel: IDENTITY_LABEL }, seed);
  const symmetricKey = kdfa(nameAlg, seed, 'STORAGE', objectName, new Uint8Array(0), EK_SYMMETRIC_BITS);
  const cipher = createCipheriv('aes-128-cfb', symmetricKey, Buffer.alloc(16));
  const encIdentity = Buffer.concat([cipher.update(tpm2b(secret)), cipher.final()]);
  const hmacKey = kdfa(nameAlg, seed, 'INTEGRITY', new Uint8Array(0), new Uint8Array(0), nameAlg.size * 8);
  const integrity = createHmac(nameAlg.name, hmacKey).update(encIdentity).update(objectName).digest();
  return { idObject: tpm2b(Buffer.concat([tpm2b(integrity), encIdentity])), encryptedSecret: tpm2b(encryptedSeed) };
}
