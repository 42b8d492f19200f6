/** RoleBinding: grants a role to a member within a scope. */
import { defineResource } from './resourceDescriptor.js';

export const roleBindingDescriptor = defineResource('RoleBinding', {
  idGeneration: 'random',
  idPattern: '[a-zA-Z0-9][a-zA-Z0-9_.\\-]{0,127}',
  // Copied or computed from the Role and the member when the binding is written.
  outputOnly: ['member_type', 'category', 'owned_objects', 'has_owned_objects', 'ancestry_path', 'parent_by_org', 'spec_generation'],
  // Changing who or what is bound makes a different binding: delete and create instead.
  immutable: ['role', 'member'],
  views: { NAME: ['name'], BASIC: ['name', 'role', 'member'] },
});
