/** Organization: the top of the scope tree; may nest under a parent organization. */
import { defineResource } from './resourceDescriptor.js';

export const organizationDescriptor = defineResource('Organization', {
  idGeneration: 'random',
  outputOnly: ['root_organization', 'ancestry_path', 'service_errors', 'services_generation'],
  // Moving an organization would rewrite the ancestry of everything under it; not supported.
  immutable: ['parent_organization'],
  views: {
    NAME: ['name', 'title'],
    BASIC: ['name', 'title', 'parent_organization', 'business_tier'],
  },
});
