/**
 * An attestation that did not pass: PERMISSION_DENIED, with one google.rpc.PreconditionFailure
 * violation per failed check (`type` = the check, `subject` = `domain` or `policies[i]`), so a
 * caller learns which check failed and where without any secret being echoed.
 */
import { KeystreamError } from '@keystream/api';

/** The checks an attestation can fail. */
export type AttestationCheck =
  | 'ak_attributes'
  | 'ak_certification'
  | 'ek_public_key'
  | 'ek_certificate_chain'
  | 'ek_enrollment'
  | 'ticket_invalid'
  | 'ticket_expired'
  | 'ticket_domain'
  | 'ticket_replayed'
  | 'activation_secret'
  | 'quote_signature'
  | 'quote_nonce'
  | 'quote_pcr_digest'
  | 'pcrs_unquoted'
  | 'expected_pcrs'
  | 'event_log'
  | 'subject'
  | 'no_policy';

/** One failed check. */
export interface FailedCheck {
  readonly check: AttestationCheck;
  /** `domain` for checks every policy shares, `policies[i]` for a policy's own. */
  readonly subject: string;
  readonly description: string;
}

/** The error for a set of failed checks. */
export function attestationFailed(domain: string, failures: readonly FailedCheck[]): KeystreamError {
  const summary = failures.map((failure) => `${failure.subject}: ${failure.check}: ${failure.description}`).join('; ');
  return new KeystreamError('PERMISSION_DENIED', `attestation under ${domain} failed: ${summary}`, [
    { '@type': 'type.googleapis.com/google.rpc.PreconditionFailure', violations: failures.map((failure) => ({ type: failure.check, subject: failure.subject, description: failure.description })) },
  ]);
}
