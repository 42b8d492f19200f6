/** Role: a named set of grants, bound to members by RoleBindings. */
import { defineResource } from './resourceDescriptor.js';

export const roleDescriptor = defineResource('Role', {
  idGeneration: 'random',
  idPattern: '[a-z][a-zA-Z0-9_.\\-]{0,62}[a-zA-Z0-9]',
  // services is detected from the grants' permissions; rb_spec_generation tracks binding resyncs.
  outputOnly: ['services', 'rb_spec_generation'],
  // The reference: category "cannot be changed"; owned_objects "cannot be modified after role creation".
  immutable: ['category', 'owned_objects'],
  views: {
    NAME: ['name', 'display_name'],
    BASIC: ['name', 'display_name', 'services'],
    DETAIL: ['name', 'display_name', 'services', 'scope_params', 'grants'],
  },
});
