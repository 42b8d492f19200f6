import { expect } from 'chai';
import { grantsOf, invitationKindOf, invitationStatusOf, parseInvitationFragment, refusalText } from './invitationLink.js';

const NAME = 'projects/apollo/projectInvitations/inv-1';
const NOW = new Date('2026-01-10T00:00:00Z');

describe('invitationLink', () => {
  describe('parseInvitationFragment', () => {
    it('should read the invitation and the code of a mail link, decoded', () => {
      expect(parseInvitationFragment(`#invitation=${encodeURIComponent(NAME)}&code=ksi_a-b_c`)).to.deep.equal({ name: NAME, code: 'ksi_a-b_c' });
      expect(parseInvitationFragment(`#invitation=${encodeURIComponent('organizations/acme/organizationInvitations/x')}`)).to.deep.equal({ name: 'organizations/acme/organizationInvitations/x', code: undefined });
    });

    it('should ignore a fragment that names no invitation', () => {
      for (const hash of ['', '#', '#code=ksi_x', '#invitation=projects/p/groups/g', '#invitation=../../etc']) expect(parseInvitationFragment(hash), hash).to.equal(undefined);
    });
  });

  describe('invitationKindOf', () => {
    it('should pick the self-service list of the kind and the scope', () => {
      expect(invitationKindOf(NAME)).to.deep.include({ kind: 'ProjectInvitation', listMyRoute: '/v1/projects/-/projectInvitations:listMy', scope: 'projects/apollo' });
      expect(invitationKindOf('organizations/acme/organizationInvitations/x')).to.deep.include({ kind: 'OrganizationInvitation', scope: 'organizations/acme' });
    });
  });

  describe('invitationStatusOf', () => {
    const of = (invitation: Record<string, unknown>, annotations: Record<string, string> = {}) => invitationStatusOf({ name: NAME, invitation, metadata: { annotations } }, NOW);

    it('should say pending, accepted, declined and expired, with who and when', () => {
      expect(of({ state: 'PENDING', expirationDate: '2026-01-11T00:00:00Z' })).to.deep.equal({ state: 'pending', expires: '2026-01-11T00:00:00Z' });
      expect(of({ state: 'ACCEPTED' }, { 'iam.keystream.io/accepted-by': 'user:bob@example.com', 'iam.keystream.io/accepted-time': 'T' })).to.deep.equal({ state: 'accepted', by: 'user:bob@example.com', at: 'T' });
      expect(of({ state: 'DECLINED' }, { 'iam.keystream.io/declined-by': 'user:bob@example.com', 'iam.keystream.io/declined-time': 'T' })).to.deep.equal({ state: 'declined', by: 'user:bob@example.com', at: 'T' });
      expect(of({ state: 'EXPIRED', expirationDate: '2026-01-01T00:00:00Z' })).to.deep.equal({ state: 'expired', at: '2026-01-01T00:00:00Z' });
    });

    it('should call a PENDING invitation past its date expired, as the server does', () => {
      expect(of({ state: 'PENDING', expirationDate: '2026-01-09T23:59:59Z' }).state).to.equal('expired');
    });
  });

  describe('grantsOf', () => {
    it('should list the roles and groups', () => {
      expect(grantsOf({ invitation: { bindingRoles: [{ role: 'r1' }, { role: 'r2' }], groups: ['g1'] } })).to.deep.equal({ roles: ['r1', 'r2'], groups: ['g1'] });
      expect(grantsOf({})).to.deep.equal({ roles: [], groups: [] });
    });
  });

  describe('refusalText', () => {
    it('should explain each refusal of the server and keep its message', () => {
      const cases: [string, string, RegExp][] = [
        ['PERMISSION_DENIED', 'this invitation code is not valid', /code is not valid: open the whole link/],
        ['PERMISSION_DENIED', 'this code of ProjectInvitation x was replaced by a newer one (the invitation was resent)', /newest mail/],
        ['FAILED_PRECONDITION', 'ProjectInvitation x was already accepted at T; it can be used once', /already used/],
        ['FAILED_PRECONDITION', 'ProjectInvitation x expired at T', /has expired/],
        ['FAILED_PRECONDITION', 'ProjectInvitation x was deleted (revoked)', /revoked/],
        ['PERMISSION_DENIED', 'ProjectInvitation x is addressed to another email than eve@example.com', /another email address/],
      ];
      for (const [status, message, expected] of cases) {
        const said = refusalText(status, message);
        expect(said).to.match(expected);
        expect(said).to.include(message);
      }
      expect(refusalText('INTERNAL', 'boom')).to.equal('INTERNAL: boom');
    });
  });
});
