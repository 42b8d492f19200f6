/** User: a human principal, refreshed from the identity provider's ID token. */
import { defineResource } from './resourceDescriptor.js';

export const userDescriptor = defineResource('User', {
  idGeneration: 'random',
  outputOnly: ['refreshed_time', 'ctrl_status'],
  views: {
    NAME: ['name'],
    BASIC: ['name', 'email', 'full_name', 'email_verified', 'refreshed_time'],
  },
});
