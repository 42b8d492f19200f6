import { expect } from 'chai';
import { conditionPasses } from './conditionPasses.js';

const PERMISSION = 'services/iam.edgelq.com/permissions/groups.get';

describe('conditionPasses', () => {
  describe('having IP conditions that cannot be evaluated', () => {
    const unusable: readonly (readonly [string, Record<string, unknown>])[] = [
      ['only invalid allowed CIDRs', { ipCondition: { allowedCidrs: ['not-a-cidr'] } }],
      ['an allowed prefix out of range', { ipCondition: { allowedCidrs: ['10.0.0.0/33'] } }],
      ['an IPv6 prefix out of range', { ipCondition: { allowedCidrs: ['::/129'] } }],
      ['a valid and an invalid allowed CIDR', { ipCondition: { allowedCidrs: ['0.0.0.0/0', '10.0.0.0/abc'] } }],
      ['an invalid disabled CIDR', { ipCondition: { disabledCidrs: ['10.0.0.300/8'] } }],
      ['a non-string entry', { ipCondition: { allowedCidrs: [42] } }],
      ['a list that is not a list', { ipCondition: { allowedCidrs: '0.0.0.0/0' } }],
      ['an empty string entry', { ipCondition: { disabledCidrs: [''] } }],
      ['a malformed ip condition', { ipCondition: 'everyone' }],
      ['an expression beside an IP condition', { ipCondition: { allowedCidrs: ['0.0.0.0/0'] }, expression: 'request.time < now' }],
      ['an expression alone', { expression: 'true' }],
    ];
    for (const [label, condition] of unusable) {
      describe(`when the condition has ${label}`, () => {
        it('should deny every client', () => {
          for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '127.0.0.1']) expect(conditionPasses(condition, PERMISSION, address), address).to.equal(false);
        });
      });
    }
  });

  describe('having valid IP conditions', () => {
    describe('when clients come from inside and outside', () => {
      it('should allow inside the allowed and outside the disabled CIDRs only', () => {
        const condition = { ipCondition: { allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'], disabledCidrs: ['10.9.0.0/16'] } };
        expect(conditionPasses(condition, PERMISSION, '10.1.2.3')).to.equal(true);
        expect(conditionPasses(condition, PERMISSION, '::ffff:10.1.2.3')).to.equal(true);
        expect(conditionPasses(condition, PERMISSION, '2001:db8::5')).to.equal(true);
        expect(conditionPasses(condition, PERMISSION, '10.9.0.1')).to.equal(false);
        expect(conditionPasses(condition, PERMISSION, '11.0.0.1')).to.equal(false);
        expect(conditionPasses(condition, PERMISSION, '')).to.equal(false);
        expect(conditionPasses(condition, PERMISSION, undefined)).to.equal(false);
      });

      it('should deny an unknown client address even with only a disabled list', () => {
        expect(conditionPasses({ ipCondition: { disabledCidrs: ['10.0.0.0/8'] } }, PERMISSION, '')).to.equal(false);
        expect(conditionPasses({ ipCondition: { disabledCidrs: ['10.0.0.0/8'] } }, PERMISSION, '192.168.0.1')).to.equal(true);
      });
    });
  });

  describe('having an attestation condition', () => {
    describe('when the permission is exempt or not', () => {
      it('should allow only the exempt permissions', () => {
        const condition = { attestationCondition: { exceptPermissions: [PERMISSION] } };
        expect(conditionPasses(condition, PERMISSION, '10.0.0.1')).to.equal(true);
        expect(conditionPasses(condition, 'services/iam.edgelq.com/permissions/groups.update', '10.0.0.1')).to.equal(false);
      });
    });
  });
});
