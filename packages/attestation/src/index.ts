/**
 * TPM 2.0 attestation for keystream's Verify method and AttestationConditions: pure verification
 * (node:crypto, pkijs/asn1js, jose), no I/O of its own.
 */
export { AttestationVerifier } from './attestationVerifier.js';
export type { AttestationVerifierOptions, IssuedChallenge, VerifyCaller } from './attestationVerifier.js';
export { attestationFailed } from './attestationFailure.js';
export { attestationDomainViolations } from './attestationDomainViolations.js';
export type { AttestationCheck, FailedCheck } from './attestationFailure.js';
export { AttestationInputError } from './attestationInputError.js';
export { deriveAttestationKeys } from './tokens/attestationKeys.js';
export type { AttestationKeys } from './tokens/attestationKeys.js';
export { issueAttestationToken, verifyAttestationToken } from './tokens/attestationToken.js';
export { attestedDomainsOf, domainsValidAt } from './tokens/attestedDomains.js';
export type { AttestationTokenClaims, TokenCheck } from './tokens/attestationToken.js';
export { MemoryUsedTicketLedger } from './tokens/usedTicketLedger.js';
export type { UsedTicketLedger } from './tokens/usedTicketLedger.js';
export { makeCredential } from './tpm/makeCredential.js';
export type { CredentialBlob } from './tpm/makeCredential.js';
export { parseTpmtPublic } from './tpm/tpmtPublic.js';
export type { TpmtPublic } from './tpm/tpmtPublic.js';
export { parseTpmsAttest } from './tpm/tpmsAttest.js';
export type { TpmsAttest } from './tpm/tpmsAttest.js';
export { parseTpmtSignature } from './tpm/tpmtSignature.js';
export { parseEventLog, replayEventLog } from './quote/eventLog.js';

/** The request header that carries an attestation token beside the access token. */
export const ATTESTATION_TOKEN_HEADER = 'x-keystream-attestation';
/** The header that carries the challenge ticket between the two REST calls of Verify. */
export const ATTESTATION_TICKET_HEADER = 'x-keystream-attestation-ticket';
