/** AttestationDomain: a project's TPM attestation policies and enrolled keys. */
import { defineResource } from './resourceDescriptor.js';

export const attestationDomainDescriptor = defineResource('AttestationDomain', {
  idGeneration: 'random',
  views: { NAME: ['name', 'display_name'] },
});
