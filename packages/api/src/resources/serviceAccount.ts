/** ServiceAccount: a non-human principal in a project region. */
import { defineResource } from './resourceDescriptor.js';

export const serviceAccountDescriptor = defineResource('ServiceAccount', {
  idGeneration: 'random',
  // The email is derived from the name: {id}@{project}.{region}.serviceaccounts.iam.edgelq.com.
  outputOnly: ['email'],
  // The reference: kind "Cannot be changed".
  immutable: ['kind'],
  views: { NAME: ['name', 'display_name'], BASIC: ['name', 'display_name', 'email'] },
});
