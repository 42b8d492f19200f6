import { randomBytes } from 'node:crypto';
import { KeystreamError } from '@keystream/api';
import { expect } from 'chai';
import { VERIFICATION_TOKEN_TTL_MS, VerificationTokens } from './verificationTokens.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof KeystreamError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('VerificationTokens', () => {
  const key = randomBytes(32);
  const address = { userName: 'users/vera', email: 'vera@example.com' };

  it('should give back the address of a token it issued', () => {
    const tokens = new VerificationTokens(key);
    expect(tokens.check(tokens.issue(address))).to.deep.equal(address);
  });

  it('should refuse a token signed with another key, an altered payload, and an expired token', () => {
    const tokens = new VerificationTokens(key);
    const token = tokens.issue(address);
    expect(refusal(() => new VerificationTokens(randomBytes(32)).check(token))).to.include('not issued by this keystream');
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ n: 'users/mallory', e: 'mallory@example.com', x: Date.now() + 1e6 })).toString('base64url')}.${signature as string}`;
    expect(refusal(() => tokens.check(forged))).to.include('not issued by this keystream');
    expect(refusal(() => tokens.check('garbage'))).to.include('unchanged');
    let now = Date.now();
    const clocked = new VerificationTokens(key, () => now);
    const expiring = clocked.issue(address);
    now += VERIFICATION_TOKEN_TTL_MS + 1;
    expect(refusal(() => clocked.check(expiring))).to.include('expired');
  });
});
