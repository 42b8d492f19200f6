/** Project: the main tenancy scope, optionally under an organization. */
import { defineResource } from './resourceDescriptor.js';

export const projectDescriptor = defineResource('Project', {
  idGeneration: 'random',
  outputOnly: ['root_organization', 'ancestry_path', 'service_errors', 'services_generation'],
  immutable: ['parent_organization'],
  views: {
    NAME: ['name', 'title'],
    BASIC: ['name', 'title', 'parent_organization', 'business_tier'],
  },
});
