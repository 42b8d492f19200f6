/**
 * Evaluates one executable Condition for a request, failing closed: anything keystream cannot
 * evaluate denies (an expression, a malformed IP condition, an invalid CIDR, an unknown client
 * address under an IP condition, an attestation condition whose domain the request does not prove).
 */
import { attestationConditionPasses } from './attestationCondition.js';
import { IpMatcher, normalizeAddress } from './ipMatcher.js';
import { isIP } from 'node:net';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when the condition allows `permission` for a client at `remoteAddress` whose request proves
 * the attestation domains `attestedDomains` (verified attestation tokens of the caller).
 */
export function conditionPasses(condition: Readonly<Record<string, unknown>>, permission: string, remoteAddress: string | undefined, attestedDomains?: ReadonlySet<string>): boolean {
  // An expression keystream cannot evaluate never allows, whatever else the condition says.
  if (typeof condition['expression'] === 'string' && condition['expression'].trim() !== '') return false;
  const ipField = condition['ipCondition'];
  const attestationField = condition['attestationCondition'];
  if (ipField !== undefined && !isObject(ipField)) return false;
  if (attestationField !== undefined && !isObject(attestationField)) return false;
  if (attestationField !== undefined && !attestationConditionPasses(attestationField, { permission, attestedDomains })) return false;
  if (ipField !== undefined) {
    const allowedList = ipField['allowedCidrs'] ?? [];
    const disabledList = ipField['disabledCidrs'] ?? [];
    if (!Array.isArray(allowedList) || !Array.isArray(disabledList)) return false;
    const allowed = new IpMatcher(allowedList);
    const disabled = new IpMatcher(disabledList);
    if (allowed.invalid || disabled.invalid) return false;
    const address = normalizeAddress(remoteAddress ?? '');
    // Without a known client address neither list can be checked.
    if (isIP(address) === 0) return false;
    if (!allowed.empty && !allowed.matches(address)) return false;
    if (disabled.matches(address)) return false;
  }
  return true;
}
