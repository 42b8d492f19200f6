/**
 * AttestationDomain: policies and enrolled keys are checked when written (certificates parse,
 * expected PCRs are sane, enrolled keys are keys), so a domain never holds a policy that can only fail.
 */
import { attestationDomainViolations } from '@keystream/attestation';
import type { ResourceBehaviour } from './resourceBehaviour.js';

export const attestationDomainBehaviour: ResourceBehaviour = {
  validate: (resource) => attestationDomainViolations(resource),
};
