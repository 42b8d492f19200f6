/**
 * The verifier's refusals of malformed input, without a TPM: every one is INVALID_ARGUMENT (or
 * UNIMPLEMENTED for TPM 1.2) naming the request field, never an exception of another kind.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { KeystreamError, type schemas } from '@keystream/api';
import { AttestationVerifier } from './attestationVerifier.js';
import { deriveAttestationKeys } from './tokens/attestationKeys.js';

const verifier = new AttestationVerifier({ keys: deriveAttestationKeys('unit test secret of at least thirty-two bytes') });
const domain: schemas.AttestationDomain = { name: 'projects/p/attestationDomains/d', policies: [{}], insecureSkipManufacturerEkcertVerification: true };
const ekpub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const caller = { subject: 'dev@example.com' };

async function refusal(ask: schemas.VerifyRequest_AskForChallenge): Promise<KeystreamError> {
  try {
    await verifier.challenge(domain, ask, caller);
  } catch (error) {
    expect(error).to.be.instanceOf(KeystreamError);
    return error as KeystreamError;
  }
  throw new Error('expected a refusal');
}

/** A TPMT_PUBLIC of an RSA signing key, cut after `length` bytes. */
function truncatedTpmtPublic(length: number): string {
  const full = Buffer.concat([Buffer.from('0001000b00050072000000100014000b080000000000', 'hex'), Buffer.from([0x01, 0x00]), Buffer.alloc(256, 7)]);
  return full.subarray(0, length).toString('base64');
}

describe('AttestationVerifier.challenge', () => {
  describe('when called with malformed input', () => {
    it('should name askForChallenge.ekpub when neither EK key nor certificate is given, and say ekcerturl is not fetched', async () => {
      const error = await refusal({ akpub: truncatedTpmtPublic(300), ekcerturl: 'https://ekop.intel.com/x' });
      expect(error.code).to.equal('INVALID_ARGUMENT');
      expect(error.message).to.match(/^askForChallenge\.ekpub: .*ekcerturl is not fetched/);
    });

    it('should name askForChallenge.ekpub for bytes that are not a PKIX key', async () => {
      const error = await refusal({ ekpub: Buffer.from('not a key').toString('base64'), akpub: truncatedTpmtPublic(300) });
      expect(error.code).to.equal('INVALID_ARGUMENT');
      expect(error.message).to.match(/^askForChallenge\.ekpub: /);
    });

    it('should refuse an EK too small to be a TPM EK', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      const error = await refusal({ ekpub: small, akpub: truncatedTpmtPublic(300) });
      expect(error.code).to.equal('INVALID_ARGUMENT');
      expect(error.message).to.match(/^askForChallenge\.ekpub: .*2048 bits/);
    });

    it('should name askForChallenge.ekcert for bytes that are not a certificate', async () => {
      const error = await refusal({ ekcert: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]).toString('base64'), akpub: truncatedTpmtPublic(300) });
      expect(error.code).to.equal('INVALID_ARGUMENT');
      expect(error.message).to.match(/^askForChallenge\.ekcert: /);
    });

    for (const length of [0, 1, 5, 12, 22, 40, 279]) {
      it(`should name askForChallenge.akpub for a TPMT_PUBLIC cut at ${length} bytes`, async () => {
        const error = await refusal({ ekpub, akpub: truncatedTpmtPublic(length) });
        expect(error.code).to.equal('INVALID_ARGUMENT');
        expect(error.message).to.match(/^askForChallenge\.akpub: /);
      });
    }

    it('should refuse an AK that may decrypt or leave its TPM (ak_attributes)', async () => {
      const full = Buffer.from(truncatedTpmtPublic(300), 'base64');
      full.writeUInt32BE(0x00060072, 4); // restricted + decrypt, no sign
      const error = await refusal({ ekpub, akpub: full.toString('base64') });
      expect(error.code).to.equal('PERMISSION_DENIED');
      expect(error.details[0]).to.deep.include({ violations: [{ type: 'ak_attributes', subject: 'domain', description: 'the AK must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, and not decrypt' }] });
    });

    it('should name askForChallenge.attest when the AK certification is missing or garbage', async () => {
      const akpub = truncatedTpmtPublic(300);
      expect((await refusal({ ekpub, akpub })).message).to.match(/^askForChallenge\.attest: .*required/);
      expect((await refusal({ ekpub, akpub, attest: Buffer.from('ff544347', 'hex').toString('base64') })).message).to.match(/^askForChallenge\.attest: .*truncated/);
    });

    it('should answer UNIMPLEMENTED for TPM 1.2', async () => {
      expect((await refusal({ ekpub, tpmVersion: 'TPMV12' })).code).to.equal('UNIMPLEMENTED');
      expect((await refusal({ ekpub, challengeFormat: 'TSPI_EKBLOB' })).code).to.equal('UNIMPLEMENTED');
    });
  });
});
