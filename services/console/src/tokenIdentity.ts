/**
 * Who a token says it is, for the page to show ("signed in as …") — read from a JWT's payload
 * without verifying it: the server verifies every request, the page only labels. Tokens that are
 * not JWTs (API keys) have no readable identity.
 */
export function tokenEmailOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (character) => character.charCodeAt(0)))) as unknown;
    const email = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['email'] : undefined;
    return typeof email === 'string' ? email : undefined;
  } catch {
    return undefined;
  }
}
