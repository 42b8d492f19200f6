import { expect } from 'chai';
import { tokenEmailOf } from './tokenIdentity.js';

/** A JWT-shaped token with `claims` (base64url of UTF-8 JSON; the signature is not looked at). */
const jwt = (claims: Record<string, unknown>): string => {
  const bytes = new TextEncoder().encode(JSON.stringify(claims));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `e30.${base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.sig`;
};

describe('tokenEmailOf', () => {
  it('should read the email claim of a JWT, non-ASCII included', () => {
    expect(tokenEmailOf(jwt({ email: 'bob@example.com', sub: 'x' }))).to.equal('bob@example.com');
    expect(tokenEmailOf(jwt({ email: 'zoë@example.com' }))).to.equal('zoë@example.com');
  });

  it('should have nothing for an API key, a JWT without email, or garbage', () => {
    for (const token of ['ks_0123456789abcdef', jwt({ sub: 'x' }), 'a.!!!.b', '']) expect(tokenEmailOf(token), token).to.equal(undefined);
  });
});
