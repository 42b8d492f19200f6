/** Permission: one action of a service, e.g. services/iam.edgelq.com/permissions/roles.get. */
import { defineResource } from './resourceDescriptor.js';

export const permissionDescriptor = defineResource('Permission', {
  // A permission's id is its meaning (`roles.get`), so callers name it.
  idGeneration: 'required',
  idPattern: '[a-zA-Z][a-zA-Z0-9_.\\-]{0,127}',
  views: { NAME: ['name'] },
});
