/**
 * The attestation domains a request proves: the valid attestation tokens it carries in the
 * `x-keystream-attestation` header (several may be given, comma-separated) whose subject is the
 * caller. A token of another subject, expired or not signed by this deployment proves nothing;
 * it is ignored rather than refused, so a stale token never breaks a call that needs none.
 */
import type { AttestationKeys } from './attestationKeys.js';
import { verifyAttestationToken } from './attestationToken.js';

/** At most this many tokens are looked at per request (a bound on the work a header can cause). */
const MAX_TOKENS = 8;

/**
 * Domains proven by `header` for `subject` at `now`, each with when its proof expires (a watch
 * opened with a token stops counting on it then). Empty for an anonymous caller or no header.
 */
export async function attestedDomainsOf(keys: AttestationKeys, header: string | undefined, subject: string | undefined, now: Date): Promise<ReadonlyMap<string, Date>> {
  const domains = new Map<string, Date>();
  if (header === undefined || header.trim() === '' || subject === undefined) return domains;
  const tokens = header
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '')
    .slice(0, MAX_TOKENS);
  for (const token of tokens) {
    const check = await verifyAttestationToken(keys, token, now);
    if (!check.valid || check.subject !== subject) continue;
    const known = domains.get(check.domain);
    if (known === undefined || known < check.expiresAt) domains.set(check.domain, check.expiresAt);
  }
  return domains;
}

/** The domains of `proofs` still valid at `now`. */
export function domainsValidAt(proofs: ReadonlyMap<string, Date>, now: Date): ReadonlySet<string> {
  const valid = new Set<string>();
  for (const [domain, expiresAt] of proofs) if (expiresAt > now) valid.add(domain);
  return valid;
}
