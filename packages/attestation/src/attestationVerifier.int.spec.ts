/**
 * Verify end to end against a real software TPM (swtpm + tpm2-tools): the TPM's EK certificate is
 * issued by swtpm's own local CA; the AK, the credential activation and the quotes are the TPM's.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { expect } from 'chai';
import { KeystreamError, type schemas } from '@keystream/api';
import { AttestationVerifier } from './attestationVerifier.js';
import { deriveAttestationKeys } from './tokens/attestationKeys.js';
import { verifyAttestationToken } from './tokens/attestationToken.js';
import { SoftwareTpm, softwareTpmUnavailable, type TpmAk } from './testing/softwareTpm.js';

const unavailable = softwareTpmUnavailable();
const keys = deriveAttestationKeys('a deployment secret of at least thirty-two bytes');
const SUBJECT = 'device-sa@p1.iam.example';
const PCRS = [0, 1, 2, 3, 16];

function b64(bytes: Buffer): string {
  return bytes.toString('base64');
}

function fromB64(value: string | undefined): Buffer {
  return Buffer.from(value ?? '', 'base64');
}

/** The failed checks an error lists. */
function checksOf(error: unknown): string[] {
  expect(error).to.be.instanceOf(KeystreamError);
  const details = (error as KeystreamError).details[0] as { violations?: { type: string }[] } | undefined;
  return (details?.violations ?? []).map((violation) => violation.type);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}

(unavailable === undefined ? describe : describe.skip)(`AttestationVerifier with a software TPM${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, function () {
  this.timeout(60_000);
  let tpm: SoftwareTpm;
  let otherTpm: SoftwareTpm;
  const started: SoftwareTpm[] = [];
  let ak: TpmAk;
  let ekcert: Buffer;
  let ekpub: Buffer;
  let rootsPem: string;
  let now = new Date();
  const verifier = new AttestationVerifier({ keys, ticketTtlSeconds: 60, tokenTtlSeconds: 300, now: () => now });

  before(async () => {
    [tpm, otherTpm] = await Promise.all([SoftwareTpm.start(), SoftwareTpm.start()]);
    started.push(tpm, otherTpm);
    ak = await tpm.createAk();
    ekcert = await tpm.ekCertificate();
    ekpub = await tpm.ekPublic();
    rootsPem = await tpm.manufacturerCertificatesPem();
  });

  after(async () => {
    await Promise.all(started.map((started) => started.stop()));
  });

  beforeEach(() => {
    now = new Date();
  });

  function domain(policies: schemas.AttestationDomain_Policy[], extra: Partial<schemas.AttestationDomain> = {}): schemas.AttestationDomain {
    return { name: 'projects/p1/attestationDomains/fleet', policies, ...extra };
  }

  function ask(forAk: TpmAk = ak): schemas.VerifyRequest_AskForChallenge {
    return { subject: SUBJECT, attestationDomain: 'projects/p1/attestationDomains/fleet', tpmVersion: 'TPMV20', ekpub: b64(ekpub), ekcert: b64(ekcert), akpub: b64(forAk.akpub), attest: b64(forAk.attest), signature: b64(forAk.signature) };
  }

  /** The attestee's side: activate the credential and quote with the nonce. */
  async function answer(challenge: schemas.VerifyResponse_Challenge, options: { activateWith?: TpmAk; quoteWith?: TpmAk; nonce?: Buffer } = {}): Promise<schemas.VerifyRequest_ChallengeResponse> {
    const secret = await tpm.activateCredential(options.activateWith ?? ak, fromB64(challenge.credEncryptedByEkpub), fromB64(challenge.secretEncryptedByCred));
    const quote = await tpm.quote(options.quoteWith ?? ak, options.nonce ?? fromB64(challenge.platformAttestationNonce), PCRS);
    return { akActivationDecryptedSecret: b64(secret), quotes: [{ quote: b64(quote.quote), signature: b64(quote.signature) }], pcrs: quote.pcrs };
  }

  const trusted = (): schemas.AttestationDomain_Policy => ({ manufacturerRootCaCertsPem: rootsPem });

  describe('having a policy whose manufacturer roots issued the EK certificate', () => {
    it('should issue a token for the subject and domain after activation and a quote with the nonce', async () => {
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      expect(fromB64(challenge.platformAttestationNonce)).to.have.length(32);
      const token = await verifier.complete(attested, ticket, await answer(challenge), { subject: SUBJECT });
      const check = await verifyAttestationToken(keys, token, new Date());
      expect(check).to.include({ valid: true, subject: SUBJECT, domain: 'projects/p1/attestationDomains/fleet' });
      if (check.valid) expect(check.expiresAt.getTime() - Date.now()).to.be.within(200_000, 300_000);
    });

    it('should try policies in order and issue the token under the first that passes', async () => {
      const wrongPcr = { index: 16, digestHex: 'ab'.repeat(32), digestAlg: 'SHA256' as const };
      const attested = domain([{ ...trusted(), expectedPcrs: [wrongPcr] }, { ...trusted(), expectedPcrs: [{ index: 16, digestHex: '00'.repeat(32), digestAlg: 'SHA256' }] }]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const token = await verifier.complete(attested, ticket, await answer(challenge), { subject: SUBJECT });
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { policy: number; ek_sha256: string };
      expect(payload.policy).to.equal(1);
      expect(payload.ek_sha256).to.equal(createHash('sha256').update(ekpub).digest('hex'));
    });

    it('should attest an EK sent without certificate when the domain skips the manufacturer check, and only then', async () => {
      const bare = { ...ask(), ekcert: undefined };
      const skipping = domain([{}], { insecureSkipManufacturerEkcertVerification: true });
      const { challenge, ticket } = await verifier.challenge(skipping, bare, { subject: SUBJECT });
      expect(await verifier.complete(skipping, ticket, await answer(challenge), { subject: SUBJECT })).to.be.a('string');
      expect(checksOf(await rejection(verifier.challenge(domain([trusted()]), bare, { subject: SUBJECT })))).to.deep.equal(['ek_certificate_chain']);
    });

    it('should accept an enrolled EK when the policy requires enrollment', async () => {
      const pem = createPublicKey({ key: ekpub, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
      const attested = domain([{ ...trusted(), requireEnrollment: true }], { enrollmentList: [{ pubkeyPem: pem, comment: 'rack 4' }] });
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      expect(await verifier.complete(attested, ticket, await answer(challenge), { subject: SUBJECT })).to.be.a('string');
    });
  });

  describe('when the exchange is not genuine', () => {
    it('should refuse a replayed nonce: a quote from an earlier exchange', async () => {
      const attested = domain([trusted()]);
      const first = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const second = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(second.challenge, { nonce: fromB64(first.challenge.platformAttestationNonce) });
      expect(checksOf(await rejection(verifier.complete(attested, second.ticket, response, { subject: SUBJECT })))).to.deep.equal(['quote_nonce']);
    });

    it('should refuse a challenge answered twice', async () => {
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(challenge);
      await verifier.complete(attested, ticket, response, { subject: SUBJECT });
      expect(checksOf(await rejection(verifier.complete(attested, ticket, response, { subject: SUBJECT })))).to.deep.equal(['ticket_replayed']);
    });

    it('should refuse quotes signed by another AK than the one activated', async () => {
      const otherAk = await tpm.createAk();
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(challenge, { quoteWith: otherAk });
      expect(checksOf(await rejection(verifier.complete(attested, ticket, response, { subject: SUBJECT })))).to.deep.equal(['quote_signature']);
    });

    it('should refuse an AK that is not in the TPM of the EK (the credential cannot be activated)', async () => {
      const foreignAk = await otherTpm.createAk();
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(foreignAk), { subject: SUBJECT });
      // The attestee's TPM refuses to activate a credential bound to a key it does not hold…
      const activation = await rejection(tpm.activateCredential(ak, fromB64(challenge.credEncryptedByEkpub), fromB64(challenge.secretEncryptedByCred)));
      expect(String(activation)).to.match(/tpm2_activatecredential|Command failed/);
      // …and a guessed secret is refused.
      const quote = await tpm.quote(ak, fromB64(challenge.platformAttestationNonce), PCRS);
      const response = { akActivationDecryptedSecret: b64(Buffer.alloc(32)), quotes: [{ quote: b64(quote.quote), signature: b64(quote.signature) }], pcrs: quote.pcrs };
      expect(checksOf(await rejection(verifier.complete(attested, ticket, response, { subject: SUBJECT })))).to.deep.equal(['activation_secret']);
    });

    it('should refuse PCR values other than the policy expects', async () => {
      const attested = domain([{ ...trusted(), expectedPcrs: [{ index: 16, digestHex: 'cd'.repeat(32), digestAlg: 'SHA256' }] }]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      expect(checksOf(await rejection(verifier.complete(attested, ticket, await answer(challenge), { subject: SUBJECT })))).to.deep.equal(['expected_pcrs']);
    });

    it('should refuse reported PCR values that are not the quoted ones', async () => {
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(challenge);
      const pcrs = (response.pcrs ?? []).map((pcr) => (pcr.index === 16 ? { ...pcr, digestHex: '11'.repeat(32) } : pcr));
      expect(checksOf(await rejection(verifier.complete(attested, ticket, { ...response, pcrs }, { subject: SUBJECT })))).to.deep.equal(['quote_pcr_digest']);
    });

    it('should refuse an EK that is not enrolled when the policy requires enrollment, before any challenge', async () => {
      const otherEk = createPublicKey({ key: await otherTpm.ekPublic(), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
      const attested = domain([{ ...trusted(), requireEnrollment: true }], { enrollmentList: [{ pubkeyPem: otherEk }] });
      expect(checksOf(await rejection(verifier.challenge(attested, ask(), { subject: SUBJECT })))).to.deep.equal(['ek_enrollment']);
    });

    it("should refuse an EK certificate that does not chain to the policy's roots", async () => {
      const attested = domain([{ manufacturerRootCaCertsPem: await otherTpm.manufacturerCertificatesPem() }]);
      const error = await rejection(verifier.challenge(attested, ask(), { subject: SUBJECT }));
      expect(checksOf(error)).to.deep.equal(['ek_certificate_chain']);
      expect((error as KeystreamError).code).to.equal('PERMISSION_DENIED');
    });

    it('should refuse an expired ticket', async () => {
      const attested = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(challenge);
      now = new Date(Date.now() + 61_000);
      expect(checksOf(await rejection(verifier.complete(attested, ticket, response, { subject: SUBJECT })))).to.deep.equal(['ticket_expired']);
    });

    it('should refuse a ticket from another domain', async () => {
      const fleet = domain([trusted()]);
      const { challenge, ticket } = await verifier.challenge(fleet, ask(), { subject: SUBJECT });
      const response = await answer(challenge);
      const lab = domain([trusted()], { name: 'projects/p1/attestationDomains/lab' });
      expect(checksOf(await rejection(verifier.complete(lab, ticket, response, { subject: SUBJECT })))).to.deep.equal(['ticket_domain']);
    });

    it('should refuse a ticket sealed with another deployment key or altered', async () => {
      const attested = domain([trusted()]);
      const stranger = new AttestationVerifier({ keys: deriveAttestationKeys('another deployment secret of thirty-two bytes') });
      const { challenge, ticket } = await stranger.challenge(attested, ask(), { subject: SUBJECT });
      const response = await answer(challenge);
      expect(checksOf(await rejection(verifier.complete(attested, ticket, response, { subject: SUBJECT })))).to.deep.equal(['ticket_invalid']);
    });

    it('should refuse a challenge asked for another subject than the caller', async () => {
      const attested = domain([trusted()]);
      expect(checksOf(await rejection(verifier.challenge(attested, ask(), { subject: 'someone-else@p1.iam.example' })))).to.deep.equal(['subject']);
    });
  });

  describe('having a policy that verifies the event log', () => {
    /** A crypto-agile event log with one SHA-256 bank and `events` measured into PCR 23. */
    function eventLog(events: readonly Buffer[]): Buffer {
      const spec = Buffer.concat([Buffer.from('Spec ID Event03\0', 'latin1'), Buffer.from([0, 0, 0, 0, 0, 2, 0, 2]), Buffer.from([1, 0, 0, 0]), Buffer.from([0x0b, 0x00, 0x20, 0x00]), Buffer.from([0])]);
      const header = Buffer.concat([u32le(0), u32le(3), Buffer.alloc(20), u32le(spec.length), spec]);
      const records = events.map((data) => Buffer.concat([u32le(23), u32le(0x0d), u32le(1), Buffer.from([0x0b, 0x00]), createHash('sha256').update(data).digest(), u32le(data.length), data]));
      return Buffer.concat([header, ...records]);
    }

    function u32le(value: number): Buffer {
      const out = Buffer.alloc(4);
      out.writeUInt32LE(value, 0);
      return out;
    }

    it('should accept a log whose replay gives the quoted PCRs and refuse an altered one', async () => {
      await tpm.tpm2('tpm2_pcrreset', ['23']);
      const events = [Buffer.from('bootloader v1'), Buffer.from('kernel 6.1')];
      for (const event of events) await tpm.extendPcr(23, createHash('sha256').update(event).digest());
      const attested = domain([{ ...trusted(), verifyEventLog: true }]);
      const pcrs = [...PCRS, 23];
      const exchange = async (log: Buffer): Promise<unknown> => {
        const { challenge, ticket } = await verifier.challenge(attested, ask(), { subject: SUBJECT });
        const secret = await tpm.activateCredential(ak, fromB64(challenge.credEncryptedByEkpub), fromB64(challenge.secretEncryptedByCred));
        const quote = await tpm.quote(ak, fromB64(challenge.platformAttestationNonce), pcrs);
        return verifier.complete(attested, ticket, { akActivationDecryptedSecret: b64(secret), quotes: [{ quote: b64(quote.quote), signature: b64(quote.signature) }], pcrs: quote.pcrs, eventlog: b64(log) }, { subject: SUBJECT });
      };
      expect(await exchange(eventLog(events))).to.be.a('string');
      expect(checksOf(await rejection(exchange(eventLog([events[0] ?? Buffer.alloc(0), Buffer.from('kernel 6.2')]))))).to.deep.equal(['event_log']);
    });
  });
});
