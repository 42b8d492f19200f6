import { expect } from 'chai';
import { deriveAttestationKeys } from './attestationKeys.js';
import { issueAttestationToken, verifyAttestationToken } from './attestationToken.js';
import { attestedDomainsOf, domainsValidAt } from './attestedDomains.js';
import { openChallengeTicket, sealChallengeTicket, TicketError } from './challengeTicket.js';

const keys = deriveAttestationKeys('unit test secret of at least thirty-two bytes');
const others = deriveAttestationKeys('another secret, also thirty-two bytes long');
const claims = { subject: 'dev@example.com', domain: 'projects/p/attestationDomains/d', policy: 0, ekSha256: 'ab' };

describe('attestation tokens', () => {
  it('should verify a fresh token and refuse it once expired, or under another key', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await issueAttestationToken(keys, claims, now, 60);
    expect(await verifyAttestationToken(keys, token, new Date(now.getTime() + 59_000))).to.deep.include({ valid: true, subject: 'dev@example.com', domain: claims.domain });
    expect(await verifyAttestationToken(keys, token, new Date(now.getTime() + 61_000))).to.deep.equal({ valid: false, reason: 'the attestation token has expired' });
    expect(await verifyAttestationToken(others, token, now)).to.deep.equal({ valid: false, reason: 'the attestation token is not valid' });
  });

  it('should not take a challenge ticket for a token, nor a token for a ticket', async () => {
    const now = new Date();
    const ticket = await sealChallengeTicket(keys, { domain: 'd', subject: 's', nonce: 'bg==', secret: 'cw==', ekpub: 'ZQ==', akpub: 'YQ==' }, now, 60);
    expect((await verifyAttestationToken(keys, ticket, now)).valid).to.equal(false);
    const token = await issueAttestationToken(keys, claims, now, 60);
    const error: unknown = await openChallengeTicket(keys, token, now).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(TicketError).with.property('check', 'ticket_invalid');
  });

  it('should refuse a ticket with one character changed', async () => {
    const now = new Date();
    const ticket = await sealChallengeTicket(keys, { domain: 'd', subject: 's', nonce: 'bg==', secret: 'cw==', ekpub: 'ZQ==', akpub: 'YQ==' }, now, 60);
    const position = Math.floor(ticket.length / 2);
    const altered = ticket.slice(0, position) + (ticket[position] === 'A' ? 'B' : 'A') + ticket.slice(position + 1);
    expect(await openChallengeTicket(keys, ticket, now)).to.have.nested.property('claims.secret', 'cw==');
    const error: unknown = await openChallengeTicket(keys, altered, now).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(TicketError).with.property('check', 'ticket_invalid');
  });

  it('should prove only the domains of valid tokens of the caller', async () => {
    const now = new Date();
    const mine = await issueAttestationToken(keys, claims, now, 60);
    const theirs = await issueAttestationToken(keys, { ...claims, subject: 'other@example.com', domain: 'projects/p/attestationDomains/x' }, now, 60);
    const forged = await issueAttestationToken(others, { ...claims, domain: 'projects/p/attestationDomains/y' }, now, 60);
    const header = [mine, theirs, forged, 'garbage'].join(', ');
    const proven = await attestedDomainsOf(keys, header, 'dev@example.com', now);
    expect([...proven.keys()]).to.deep.equal([claims.domain]);
    expect([...domainsValidAt(proven, now)]).to.deep.equal([claims.domain]);
    expect([...domainsValidAt(proven, new Date(now.getTime() + 61_000))]).to.deep.equal([]);
    expect([...(await attestedDomainsOf(keys, header, undefined, now)).keys()]).to.deep.equal([]);
    expect([...(await attestedDomainsOf(keys, undefined, 'dev@example.com', now)).keys()]).to.deep.equal([]);
  });
});
