/** Group: a named set of members; its email is derived from its name. */
import { defineResource } from './resourceDescriptor.js';

export const groupDescriptor = defineResource('Group', {
  idGeneration: 'random',
  // The reference: "Generated based on its name" (system, organization, project or service group).
  outputOnly: ['email'],
  views: { NAME: ['name', 'display_name'], BASIC: ['name', 'display_name', 'email'] },
});
