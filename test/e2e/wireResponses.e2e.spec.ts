/**
 * Every response keystream can encode parses with a strict protobuf JSON parser built from the
 * upstream field table alone (test/support/strictProtoJson.ts): no unknown field, no two members
 * of a oneof, every value of the type the real protos give it. Samples are drawn from the whole
 * response type of every method (fast-check), so each field of each response is exercised.
 */
import { encodeMessage, messageDescriptor, METHODS, type MessageName } from '@keystream/api';
import { findUpstreamDirectory, messageArbitrary } from '@keystream/api/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseStrictly, strictRegistry } from '../support/strictProtoJson.js';

describe('responses, parsed by a strict protobuf JSON parser built from wire.tsv', function () {
  this.timeout(120_000);
  let registry: ReturnType<typeof strictRegistry> | undefined;

  before(function (this: Mocha.Context) {
    if (findUpstreamDirectory() === undefined) {
      console.log('      skipped: ../shared/spec/upstream/ not found beside the repository');
      this.skip();
    }
    registry = strictRegistry();
  });

  const responseTypes = [...new Set(METHODS.map((method) => method.responseType))].sort();

  it(`should parse encoded samples of all ${responseTypes.length} response types of the 158 methods`, () => {
    for (const responseType of responseTypes) {
      const protoName = messageDescriptor(responseType).protoName;
      fc.assert(
        fc.property(messageArbitrary(responseType), (value) => {
          parseStrictly(registry!, protoName, encodeMessage(responseType as MessageName, value as never));
        }),
        { numRuns: 15, seed: 14 },
      );
    }
  });

  describe('having stored data that holds two members of a oneof (written before groups were enforced)', () => {
    it('should serve only the member a protobuf parser keeps (the highest field number), which parses', () => {
      const stored = { name: 'projects/p1/conditions/c1', ipCondition: { allowedCidrs: ['10.0.0.0/8'] }, attestationCondition: { domain: 'projects/p1/attestationDomains/d1' } };
      const encoded = encodeMessage('Condition', stored);
      expect(encoded).to.deep.equal({ name: 'projects/p1/conditions/c1', attestationCondition: { domain: 'projects/p1/attestationDomains/d1' } });
      parseStrictly(registry!, 'ntt.iam.v1.Condition', encoded);
      expect(() => { parseStrictly(registry!, 'ntt.iam.v1.Condition', { ...encoded, ipCondition: {} }); }).to.throw(/oneof set multiple times/);
    });
  });

  it('should serve ntt_admin_credentials in the credentials-file shape (snake_case names)', () => {
    const encoded = encodeMessage('ReserveServiceNameResponse', { nttAdminCredentials: { type: 'service_account', client_email: 'admin@example.com', private_key_id: 'k1', private_key: 'pem' } });
    expect(encoded).to.deep.equal({ nttAdminCredentials: { type: 'service_account', client_email: 'admin@example.com', private_key_id: 'k1', private_key: 'pem' } });
    parseStrictly(registry!, 'ntt.iam.v1.ReserveServiceNameResponse', encoded);
  });
});
