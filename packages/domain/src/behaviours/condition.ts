/**
 * Condition: an IP condition's CIDRs must parse. A list with an invalid entry would otherwise
 * silently mean something else (an allow list of nothing usable looked like no allow list at all).
 */
import type { FieldViolation } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';
import { parseCidr } from './cidr.js';
import type { ResourceBehaviour } from './resourceBehaviour.js';

function cidrViolations(list: unknown, field: string): FieldViolation[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry, index) =>
    typeof entry === 'string' && parseCidr(entry) !== undefined
      ? []
      : [{ field: `${field}[${index}]`, description: `${JSON.stringify(entry)} is not a CIDR (expected an IPv4 or IPv6 address, optionally with /prefix)` }],
  );
}

export const conditionBehaviour: ResourceBehaviour = {
  validate: (resource: JsonObject) => {
    const ip = resource['ipCondition'];
    if (typeof ip !== 'object' || ip === null || Array.isArray(ip)) return [];
    const condition = ip;
    return [...cidrViolations(condition['allowedCidrs'], 'condition.ip_condition.allowed_cidrs'), ...cidrViolations(condition['disabledCidrs'], 'condition.ip_condition.disabled_cidrs')];
  },
};
