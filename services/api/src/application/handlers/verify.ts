/**
 * Verify (AttestationDomain): TPM attestation in two steps, each one call of this handler.
 * `ask_for_challenge` → a credential-activation challenge, and the sealed challenge ticket in the
 * `x-keystream-attestation-ticket` response header; `challenge_response` with that ticket in the
 * request header → an attestation token. Over REST these are two POSTs of the same route (any api
 * process can answer the second); over the WebSocket gateway one bidirectional exchange whose
 * steps the gateway sends through the pipeline, carrying the ticket itself. See docs/attestation.md.
 */
import { KeystreamError, type schemas } from '@keystream/api';
import { ATTESTATION_TICKET_HEADER } from '@keystream/attestation';
import type { MethodHandler } from '../methodHandler.js';

export const verify: MethodHandler<'Verify'> = async (request, { app, principal, headers }) => {
  const ask = request.askForChallenge ?? {};
  const domainName = ask.attestationDomain;
  if (domainName === undefined || domainName === '') {
    throw KeystreamError.invalidArgument([{ field: 'askForChallenge.attestationDomain', description: 'is required (the route path carries it)' }]);
  }
  const domain = (await app.repository.liveResource('AttestationDomain', domainName)) as schemas.AttestationDomain | undefined;
  if (domain === undefined) throw new KeystreamError('NOT_FOUND', `AttestationDomain ${domainName} does not exist`);
  const caller = { subject: principal.kind === 'anonymous' ? undefined : principal.email };
  if (request.challengeResponse !== undefined) {
    // The second step names its domain in the path only: the rest of the first step's message is the ticket's.
    const extra = Object.keys(ask).filter((field) => field !== 'attestationDomain');
    if (extra.length > 0) throw KeystreamError.invalidArgument([{ field: `askForChallenge.${extra[0] ?? ''}`, description: 'belongs to the first step; the second sends only challengeResponse' }]);
    const ticket = headers[ATTESTATION_TICKET_HEADER];
    if (ticket === undefined || ticket === '') {
      throw KeystreamError.invalidArgument([{ field: ATTESTATION_TICKET_HEADER, description: 'the header must carry the ticket the challenge was answered with' }]);
    }
    const token = await app.attestation.verifier.complete(domain, ticket, request.challengeResponse, caller);
    return { response: { attestationSuccessful: { attestationToken: token } } };
  }
  const { challenge, ticket } = await app.attestation.verifier.challenge(domain, ask, caller);
  return { response: { challenge }, headers: { [ATTESTATION_TICKET_HEADER]: ticket } };
};
