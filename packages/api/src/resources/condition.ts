/** Condition: an IP or attestation check attachable to role grants and bindings. */
import { defineResource } from './resourceDescriptor.js';

export const conditionDescriptor = defineResource('Condition', {
  idGeneration: 'random',
  views: { NAME: ['name', 'display_name'] },
});
