/**
 * A TPM structure or attestation input that cannot be parsed. The verifier maps it to
 * INVALID_ARGUMENT naming the request field it came from.
 */
export class AttestationInputError extends Error {
  override readonly name = 'AttestationInputError';
}
