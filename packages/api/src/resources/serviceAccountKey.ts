/** ServiceAccountKey: an RSA key or API key a service account authenticates with. */
import { defineResource } from './resourceDescriptor.js';

export const serviceAccountKeyDescriptor = defineResource('ServiceAccountKey', {
  idGeneration: 'random',
  // Secrets are returned once by CreateServiceAccountKey and never stored.
  outputOnly: ['private_key_data', 'api_key'],
  immutable: ['algorithm', 'public_key_data'],
  views: {
    NAME: ['name', 'display_name'],
    BASIC: ['name', 'display_name', 'algorithm', 'valid_not_before', 'valid_not_after'],
  },
});
