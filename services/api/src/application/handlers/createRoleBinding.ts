/**
 * CreateRoleBinding: the standard create, refused when the binding names a role it may not use. A
 * binding may use a role of its own scope, of a scope above it, or a service's role: never a
 * sibling's, or a project administrator could bind a role another project defines.
 */
import { KeystreamError } from '@keystream/api';
import { scopeChainOf, scopeOfName, SYSTEM_SCOPE } from '@keystream/authz';
import type { MethodHandler } from '../methodHandler.js';
import { standardHandler } from '../standardHandlers.js';

const create = standardHandler('CreateRoleBinding');

export const createRoleBinding: MethodHandler<'CreateRoleBinding'> = (request, context) => {
  const name = request.roleBinding?.name;
  const parent = request.parent ?? (name === undefined ? SYSTEM_SCOPE : name.split('/').slice(0, -2).join('/'));
  const role = request.roleBinding?.role;
  if (role !== undefined && !role.startsWith('services/')) {
    const roleScope = scopeOfName(role);
    if (!scopeChainOf(scopeOfName(parent), context.app.index).includes(roleScope)) {
      throw new KeystreamError('PERMISSION_DENIED', `role ${role} belongs to ${roleScope || 'the system scope'}, which is not ${scopeOfName(parent) || 'the system scope'} or above it`);
    }
  }
  return create(request, context);
};
