/**
 * The verifier of keystream's Verify exchange (TPM 2.0 only).
 *
 * Step 1, `challenge`: parse the EK (PKIX public key and/or DER certificate) and the AK
 * (TPMT_PUBLIC, plus the TPMS_ATTEST + TPMT_SIGNATURE of TPM2_Certify or TPM2_CertifyCreation in
 * which the AK vouches for itself); check the AK is a restricted signing key that cannot leave
 * its TPM; check at least one policy could accept this EK (certificate chain to the policy's
 * manufacturer roots unless the domain skips it, enrollment when required); then answer with a
 * nonce and a credential only the TPM holding both the EK and that AK can activate, and a sealed
 * ticket carrying what step 2 needs.
 *
 * Step 2, `complete`: open the ticket (integrity, expiry, domain, single use); compare the
 * activated secret; verify every quote (TPM-generated, signed by the AK, nonce in extraData, PCR
 * digest over the reported PCR values); then try the domain's policies in order (EK checks again,
 * since the domain may have changed, expected PCRs, event-log replay when asked). The first policy
 * that passes wins and a token is issued; otherwise every failure is reported by check.
 */
import { createHash, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { KeystreamError, type schemas } from '@keystream/api';
import { AttestationInputError } from './attestationInputError.js';
import { attestationFailed, type FailedCheck } from './attestationFailure.js';
import { EkTrustCache } from './ek/ekTrustCache.js';
import { parseCertificateDer } from './ek/pemCertificates.js';
import { parseEventLog, replayEventLog } from './quote/eventLog.js';
import { decodePcrs, pcrKey, selectionDigest } from './quote/pcrValues.js';
import { makeCredential } from './tpm/makeCredential.js';
import { TPMA_OBJECT } from './tpm/tpmAlgorithms.js';
import { isTpmGenerated, parseTpmsAttest } from './tpm/tpmsAttest.js';
import { parseTpmtPublic, type TpmtPublic } from './tpm/tpmtPublic.js';
import { parseTpmtSignature, verifyTpmSignature } from './tpm/tpmtSignature.js';
import { parseCreationData } from './tpm/tpmsCreationData.js';
import type { AttestationKeys } from './tokens/attestationKeys.js';
import { issueAttestationToken } from './tokens/attestationToken.js';
import { openChallengeTicket, sealChallengeTicket, TicketError } from './tokens/challengeTicket.js';
import { MemoryUsedTicketLedger, type UsedTicketLedger } from './tokens/usedTicketLedger.js';

/** Options of the verifier. */
export interface AttestationVerifierOptions {
  readonly keys: AttestationKeys;
  /** How long a challenge may be answered (default 60 s). */
  readonly ticketTtlSeconds?: number;
  /** How long an attestation token is valid (default 15 min). */
  readonly tokenTtlSeconds?: number;
  /** Which tickets were redeemed (default: this process's memory). */
  readonly ledger?: UsedTicketLedger;
  /** The clock (tests move it). */
  readonly now?: () => Date;
}

/** The answer to step 1: the Challenge message and the ticket step 2 must present. */
export interface IssuedChallenge {
  readonly challenge: schemas.VerifyResponse_Challenge;
  readonly ticket: string;
}

/** Who asks, as far as the verifier cares: the token's subject must be the caller (when there is one). */
export interface VerifyCaller {
  /** The caller's identity as its access token names it (email), undefined for an anonymous caller. */
  readonly subject: string | undefined;
}

/** What the EK checks of a policy look at. */
interface EkMaterial {
  readonly ekpub: KeyObject;
  readonly ekpubDer: Buffer;
  readonly ekcertDer: Buffer | undefined;
}

const REQUIRED_AK_ATTRIBUTES = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent | TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.restricted | TPMA_OBJECT.sign;
const SECRET_BYTES = 32;
const NONCE_BYTES = 32;
const MAX_QUOTES = 8;

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function fromB64(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64');
}

/**
 * Runs `parse` over caller-supplied bytes: whatever it throws (our structure errors, OpenSSL's
 * or pkijs' decoding errors) means the bytes are not what the field should hold.
 */
function parseField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof KeystreamError) throw error;
    const message = error instanceof AttestationInputError ? error.message : `cannot be decoded (${error instanceof Error ? error.message.replace(/^error:[0-9A-F]+:/, '') : String(error)})`;
    throw KeystreamError.invalidArgument([{ field, description: message }]);
  }
}

function spkiDer(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/** Verifies Verify exchanges and issues attestation tokens. */
export class AttestationVerifier {
  private readonly ticketTtlSeconds: number;
  private readonly tokenTtlSeconds: number;
  private readonly ledger: UsedTicketLedger;
  private readonly now: () => Date;
  private readonly trust = new EkTrustCache();

  constructor(private readonly options: AttestationVerifierOptions) {
    this.ticketTtlSeconds = options.ticketTtlSeconds ?? 60;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 900;
    this.ledger = options.ledger ?? new MemoryUsedTicketLedger();
    this.now = options.now ?? (() => new Date());
  }

  /** Step 1: checks the EK and AK and answers with a credential-activation challenge. */
  async challenge(domain: schemas.AttestationDomain, ask: schemas.VerifyRequest_AskForChallenge, caller: VerifyCaller): Promise<IssuedChallenge> {
    const domainName = domain.name ?? '';
    if (ask.tpmVersion === 'TPMV12') throw new KeystreamError('UNIMPLEMENTED', 'askForChallenge.tpmVersion: TPM 1.2 attestation is not supported; use a TPM 2.0 (TPMV20)');
    if (ask.challengeFormat !== undefined && ask.challengeFormat !== 'TPM20_CREDENTIAL') {
      throw new KeystreamError('UNIMPLEMENTED', `askForChallenge.challengeFormat: ${ask.challengeFormat} is a TPM 1.2 format; only TPM20_CREDENTIAL is supported`);
    }
    const subject = this.subjectOf(ask.subject, caller, domainName);
    const ek = this.ekMaterial(ask);
    const ak = parseField('askForChallenge.akpub', () => {
      if (ask.akpub === undefined || ask.akpub === '') throw new AttestationInputError('the AK public area (TPMT_PUBLIC) is required');
      return parseTpmtPublic(fromB64(ask.akpub));
    });
    const failures = this.checkAk(ak, ask);
    if (failures.length > 0) throw attestationFailed(domainName, failures);
    const policyFailures: FailedCheck[] = [];
    const policies = domain.policies ?? [];
    let anyPolicy = false;
    for (let index = 0; index < policies.length && !anyPolicy; index++) {
      const own = await this.checkEk(domain, index, ek);
      if (own.length === 0) anyPolicy = true;
      else policyFailures.push(...own);
    }
    if (!anyPolicy) throw attestationFailed(domainName, policies.length === 0 ? [{ check: 'no_policy', subject: 'domain', description: 'the domain has no policy, so nothing can be attested under it' }] : policyFailures);

    const secret = randomBytes(SECRET_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const credential = makeCredential(ek.ekpub, ak.name, secret);
    const ticket = await sealChallengeTicket(
      this.options.keys,
      // With a certificate the key is its key (checked above): the ticket carries one of them, to stay small as a header.
      { domain: domainName, subject, nonce: b64(nonce), secret: b64(secret), ...(ek.ekcertDer === undefined ? { ekpub: b64(ek.ekpubDer) } : { ekcert: b64(ek.ekcertDer) }), akpub: ask.akpub ?? '' },
      this.now(),
      this.ticketTtlSeconds,
    );
    // Field names follow the reference implementation the API points to: the "credential" is the
    // TPM2B_ID_OBJECT and the "secret" the TPM2B_ENCRYPTED_SECRET (the seed under the EK).
    return { challenge: { platformAttestationNonce: b64(nonce), credEncryptedByEkpub: b64(credential.idObject), secretEncryptedByCred: b64(credential.encryptedSecret) }, ticket };
  }

  /** Step 2: checks the response to a challenge and issues an attestation token. */
  async complete(domain: schemas.AttestationDomain, ticket: string, response: schemas.VerifyRequest_ChallengeResponse, caller: VerifyCaller): Promise<string> {
    const domainName = domain.name ?? '';
    const now = this.now();
    let opened;
    try {
      opened = await openChallengeTicket(this.options.keys, ticket, now);
    } catch (error) {
      if (error instanceof TicketError) throw attestationFailed(domainName, [{ check: error.check, subject: 'domain', description: error.message }]);
      throw error;
    }
    const claims = opened.claims;
    if (claims.domain !== domainName) throw attestationFailed(domainName, [{ check: 'ticket_domain', subject: 'domain', description: 'the challenge ticket was issued for another attestation domain' }]);
    if (caller.subject !== undefined && claims.subject !== caller.subject) throw attestationFailed(domainName, [{ check: 'subject', subject: 'domain', description: 'the challenge was issued to another caller' }]);
    const quotes = response.quotes ?? [];
    if (quotes.length === 0) throw KeystreamError.invalidArgument([{ field: 'challengeResponse.quotes', description: 'at least one quote is required' }]);
    if (quotes.length > MAX_QUOTES) throw KeystreamError.invalidArgument([{ field: 'challengeResponse.quotes', description: `at most ${MAX_QUOTES} quotes are accepted` }]);
    const reported = parseField('challengeResponse.pcrs', () => decodePcrs(response.pcrs ?? [], 'challengeResponse.pcrs'));
    // A ticket is spent by the first attempt to redeem it, successful or not: a response cannot be retried against the same secret.
    if (!(await this.ledger.claim(opened.id, opened.expiresAt, now))) {
      throw attestationFailed(domainName, [{ check: 'ticket_replayed', subject: 'domain', description: 'this challenge was already answered: ask for a new one' }]);
    }
    const expected = fromB64(claims.secret);
    const activated = fromB64(response.akActivationDecryptedSecret);
    if (activated.length !== expected.length || !timingSafeEqual(activated, expected)) {
      throw attestationFailed(domainName, [{ check: 'activation_secret', subject: 'domain', description: 'the activated credential does not match: the AK is not in the TPM of this EK' }]);
    }
    const ak = parseTpmtPublic(fromB64(claims.akpub));
    const nonce = fromB64(claims.nonce);
    const quoted = new Set<string>();
    const failures: FailedCheck[] = [];
    quotes.forEach((quote, position) => {
      const field = `challengeResponse.quotes[${position}]`;
      const attest = parseField(`${field}.quote`, () => parseTpmsAttest(fromB64(quote.quote), 'quote TPMS_ATTEST'));
      const signature = parseField(`${field}.signature`, () => parseTpmtSignature(fromB64(quote.signature), 'quote TPMT_SIGNATURE'));
      const subject = `quotes[${position}]`;
      if (attest.attested.kind !== 'quote') throw KeystreamError.invalidArgument([{ field: `${field}.quote`, description: 'is not a TPM2_Quote attestation' }]);
      if (!isTpmGenerated(attest) || !verifyTpmSignature(ak.key, fromB64(quote.quote), signature)) {
        failures.push({ check: 'quote_signature', subject, description: 'the quote is not signed by the attested AK' });
        return;
      }
      if (attest.extraData.length !== nonce.length || !timingSafeEqual(attest.extraData, nonce)) {
        failures.push({ check: 'quote_nonce', subject, description: 'the quote does not carry the nonce of this challenge' });
        return;
      }
      const computed = selectionDigest(attest.attested.pcrSelect, reported, signature.hash);
      if ('missing' in computed) {
        failures.push({ check: 'quote_pcr_digest', subject, description: `the quote covers ${computed.missing}, which challengeResponse.pcrs does not report` });
        return;
      }
      if (!computed.digest.equals(attest.attested.pcrDigest)) {
        failures.push({ check: 'quote_pcr_digest', subject, description: 'the reported PCR values do not produce the quoted PCR digest' });
        return;
      }
      for (const selection of attest.attested.pcrSelect) for (const index of selection.indexes) quoted.add(pcrKey(selection.hash, index));
    });
    // Unquoted values are only worth reporting once every quote itself held.
    if (failures.length === 0) for (const key of reported.keys()) {
      if (!quoted.has(key)) failures.push({ check: 'pcrs_unquoted', subject: 'domain', description: `PCR ${key} is reported but no quote covers it` });
    }
    if (failures.length > 0) throw attestationFailed(domainName, failures);

    const ek = this.ekMaterialFromTicket(claims.ekpub, claims.ekcert);
    const policyFailures: FailedCheck[] = [];
    const policies = domain.policies ?? [];
    for (let index = 0; index < policies.length; index++) {
      const own = [...(await this.checkEk(domain, index, ek)), ...this.checkPcrs(index, policies[index] ?? {}, reported, response.eventlog)];
      if (own.length === 0) {
        return issueAttestationToken(this.options.keys, { subject: claims.subject, domain: domainName, policy: index, ekSha256: createHash('sha256').update(ek.ekpubDer).digest('hex') }, now, this.tokenTtlSeconds);
      }
      policyFailures.push(...own);
    }
    throw attestationFailed(domainName, policies.length === 0 ? [{ check: 'no_policy', subject: 'domain', description: 'the domain has no policy, so nothing can be attested under it' }] : policyFailures);
  }

  private subjectOf(requested: string | undefined, caller: VerifyCaller, domainName: string): string {
    const subject = requested === undefined || requested === '' ? caller.subject : requested;
    if (subject === undefined) throw KeystreamError.invalidArgument([{ field: 'askForChallenge.subject', description: 'is required for an anonymous caller' }]);
    // Tokens are bound to the access token's subject: a caller cannot attest on behalf of another.
    if (caller.subject !== undefined && subject !== caller.subject) {
      throw attestationFailed(domainName, [{ check: 'subject', subject: 'domain', description: `askForChallenge.subject must be the caller (${caller.subject})` }]);
    }
    return subject;
  }

  private ekMaterial(ask: schemas.VerifyRequest_AskForChallenge): EkMaterial {
    const hasCert = ask.ekcert !== undefined && ask.ekcert !== '';
    const hasPub = ask.ekpub !== undefined && ask.ekpub !== '';
    if (!hasCert && !hasPub) {
      const hint = ask.ekcerturl !== undefined && ask.ekcerturl !== '' ? ' (ekcerturl is not fetched by the server: send the certificate itself)' : '';
      throw KeystreamError.invalidArgument([{ field: 'askForChallenge.ekpub', description: `the EK public key (PKIX DER) or certificate (askForChallenge.ekcert) is required${hint}` }]);
    }
    const ekcert = hasCert ? parseField('askForChallenge.ekcert', () => parseCertificateDer(fromB64(ask.ekcert), 'the EK certificate')) : undefined;
    const certKey = ekcert === undefined ? undefined : parseField('askForChallenge.ekcert', () => createPublicKey({ key: Buffer.from(ekcert.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' }));
    const pubKey = hasPub ? parseField('askForChallenge.ekpub', () => createPublicKey({ key: fromB64(ask.ekpub), format: 'der', type: 'spki' })) : undefined;
    const ekpub = pubKey ?? certKey;
    if (ekpub === undefined) throw new Error('unreachable: no EK key');
    if (pubKey !== undefined && certKey !== undefined && !spkiDer(pubKey).equals(spkiDer(certKey))) {
      throw KeystreamError.invalidArgument([{ field: 'askForChallenge.ekpub', description: 'is not the public key of askForChallenge.ekcert' }]);
    }
    if (ekpub.asymmetricKeyType !== 'rsa') throw KeystreamError.invalidArgument([{ field: 'askForChallenge.ekpub', description: 'only RSA EKs are supported (TPM20_CREDENTIAL has no ECC form here)' }]);
    // TPM EKs are RSA 2048 (or larger); a smaller key could not even carry the OAEP-wrapped seed.
    if ((ekpub.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw KeystreamError.invalidArgument([{ field: 'askForChallenge.ekpub', description: 'the EK must be an RSA key of at least 2048 bits' }]);
    return { ekpub, ekpubDer: spkiDer(ekpub), ekcertDer: hasCert ? fromB64(ask.ekcert) : undefined };
  }

  private ekMaterialFromTicket(ekpub: string | undefined, ekcert: string | undefined): EkMaterial {
    if (ekcert !== undefined) {
      const certificate = parseCertificateDer(fromB64(ekcert), 'the EK certificate');
      const key = createPublicKey({ key: Buffer.from(certificate.subjectPublicKeyInfo.toSchema().toBER(false)), format: 'der', type: 'spki' });
      return { ekpub: key, ekpubDer: spkiDer(key), ekcertDer: fromB64(ekcert) };
    }
    const key = createPublicKey({ key: fromB64(ekpub), format: 'der', type: 'spki' });
    return { ekpub: key, ekpubDer: spkiDer(key), ekcertDer: undefined };
  }

  /** The AK must be a restricted signing key bound to its TPM, and must vouch for itself in a TPM-generated attestation. */
  private checkAk(ak: TpmtPublic, ask: schemas.VerifyRequest_AskForChallenge): FailedCheck[] {
    if ((ak.objectAttributes & REQUIRED_AK_ATTRIBUTES) !== REQUIRED_AK_ATTRIBUTES || (ak.objectAttributes & TPMA_OBJECT.decrypt) !== 0) {
      return [{ check: 'ak_attributes', subject: 'domain', description: 'the AK must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, and not decrypt' }];
    }
    const attestBytes = fromB64(ask.attest);
    const attest = parseField('askForChallenge.attest', () => {
      if (attestBytes.length === 0) throw new AttestationInputError('the AK certification (TPMS_ATTEST of TPM2_Certify or TPM2_CertifyCreation) is required');
      return parseTpmsAttest(attestBytes, 'askForChallenge.attest TPMS_ATTEST');
    });
    const signature = parseField('askForChallenge.signature', () => parseTpmtSignature(fromB64(ask.signature), 'askForChallenge.signature TPMT_SIGNATURE'));
    if (!isTpmGenerated(attest) || !verifyTpmSignature(ak.key, attestBytes, signature)) {
      return [{ check: 'ak_certification', subject: 'domain', description: 'askForChallenge.attest is not a TPM-generated attestation signed by the AK' }];
    }
    const certified = attest.attested;
    if (certified.kind === 'certify') {
      if (!certified.name.equals(ak.name)) return [{ check: 'ak_certification', subject: 'domain', description: 'askForChallenge.attest certifies another key than askForChallenge.akpub' }];
      return [];
    }
    if (certified.kind === 'creation') {
      if (!certified.objectName.equals(ak.name)) return [{ check: 'ak_certification', subject: 'domain', description: 'askForChallenge.attest certifies the creation of another key than askForChallenge.akpub' }];
      const creationData = fromB64(ask.creationData);
      parseField('askForChallenge.creationData', () => parseCreationData(creationData));
      const creationHash = createHash(ak.nameAlg.name).update(creationData).digest();
      if (!creationHash.equals(certified.creationHash)) return [{ check: 'ak_certification', subject: 'domain', description: 'askForChallenge.creationData is not the data the TPM certified' }];
      return [];
    }
    throw KeystreamError.invalidArgument([{ field: 'askForChallenge.attest', description: 'is a quote, not a TPM2_Certify or TPM2_CertifyCreation attestation' }]);
  }

  private async checkEk(domain: schemas.AttestationDomain, index: number, ek: EkMaterial): Promise<FailedCheck[]> {
    const policy = domain.policies?.[index] ?? {};
    const subject = `policies[${index}]`;
    if (domain.insecureSkipManufacturerEkcertVerification !== true) {
      if (ek.ekcertDer === undefined) return [{ check: 'ek_certificate_chain', subject, description: 'no EK certificate was sent and the domain requires one' }];
      const chain = await this.trust.verify(ek.ekcertDer, policy.manufacturerRootCaCertsPem ?? '', this.now());
      if (!chain.trusted) return [{ check: 'ek_certificate_chain', subject, description: `the EK certificate does not chain to the policy's manufacturer certificates: ${chain.reason}` }];
    }
    if (policy.requireEnrollment === true && !this.isEnrolled(domain, ek.ekpubDer)) {
      return [{ check: 'ek_enrollment', subject, description: "the EK public key is not on the domain's enrollment list" }];
    }
    return [];
  }

  private isEnrolled(domain: schemas.AttestationDomain, ekpubDer: Buffer): boolean {
    return (domain.enrollmentList ?? []).some((entry) => {
      try {
        return spkiDer(createPublicKey(entry.pubkeyPem ?? '')).equals(ekpubDer);
      } catch {
        // An entry that is not a public key enrolls nothing.
        return false;
      }
    });
  }

  private checkPcrs(index: number, policy: schemas.AttestationDomain_Policy, reported: ReadonlyMap<string, Buffer>, eventlog: string | undefined): FailedCheck[] {
    const subject = `policies[${index}]`;
    const failures: FailedCheck[] = [];
    let expected: Map<string, Buffer>;
    try {
      expected = decodePcrs(policy.expectedPcrs ?? [], 'expectedPcrs');
    } catch (error) {
      return [{ check: 'expected_pcrs', subject, description: `the policy's ${(error as Error).message}` }];
    }
    for (const [key, value] of expected) {
      const actual = reported.get(key);
      if (actual === undefined) failures.push({ check: 'expected_pcrs', subject, description: `PCR ${key} is expected but was not quoted` });
      else if (!actual.equals(value)) failures.push({ check: 'expected_pcrs', subject, description: `PCR ${key} does not have the expected value` });
    }
    if (policy.verifyEventLog === true) failures.push(...this.checkEventLog(subject, reported, eventlog));
    return failures;
  }

  private checkEventLog(subject: string, reported: ReadonlyMap<string, Buffer>, eventlog: string | undefined): FailedCheck[] {
    const bytes = fromB64(eventlog);
    if (bytes.length === 0) return [{ check: 'event_log', subject, description: 'the policy requires an event log and none was sent' }];
    let replayed: Map<string, Buffer>;
    try {
      replayed = replayEventLog(parseEventLog(bytes));
    } catch (error) {
      return [{ check: 'event_log', subject, description: `the event log cannot be parsed: ${(error as Error).message}` }];
    }
    const failures: FailedCheck[] = [];
    let compared = 0;
    for (const [key, value] of replayed) {
      const actual = reported.get(key);
      if (actual === undefined) {
        // Only banks the client quoted can be checked; a bank it did not quote at all is skipped, a missing PCR of a quoted bank is not.
        const bank = key.split(':')[0] ?? '';
        if ([...reported.keys()].some((reportedKey) => reportedKey.startsWith(`${bank}:`))) failures.push({ check: 'event_log', subject, description: `the event log measures PCR ${key}, which was not quoted` });
        continue;
      }
      compared++;
      if (!actual.equals(value)) failures.push({ check: 'event_log', subject, description: `replaying the event log does not give the quoted value of PCR ${key}` });
    }
    if (failures.length === 0 && compared === 0) failures.push({ check: 'event_log', subject, description: 'the event log measures none of the quoted PCRs' });
    return failures;
  }
}

