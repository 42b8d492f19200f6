/**
 * CheckMyRoleBindings: the caller's bindings that apply in a scope (its ancestry included), each
 * with its role's grants, showing the fields `custom_field_mask` asks for.
 */
import { KeystreamError } from '@keystream/api';
import { scopeOfName, SYSTEM_SCOPE } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { snakeToCamel } from '@keystream/kernel';
import type { MethodHandler } from '../methodHandler.js';

const DEFAULT_MASK = ['name', 'role', 'scopeParams', 'executableConditions', 'ownedObjects'];

export const checkMyRoleBindings: MethodHandler<'CheckMyRoleBindings'> = (request, { principal, app }) => {
  if (request.filter !== undefined && request.filter.trim() !== '') {
    throw KeystreamError.invalidArgument([{ field: 'filter', description: 'CheckMyRoleBindings takes no filter in this version of keystream' }]);
  }
  const parent = request.parent ?? SYSTEM_SCOPE;
  const mask = request.customFieldMask !== undefined && request.customFieldMask.length > 0 ? request.customFieldMask.map(snakeToCamel) : DEFAULT_MASK;
  const resolvableGrants = app.authorizer.bindingsFor(principal, scopeOfName(parent)).map((binding) => {
    const roleBinding: JsonObject = {};
    for (const field of mask) {
      const top = field.split('.')[0] as string;
      const value = binding.resource[top];
      if (value !== undefined) roleBinding[top] = value;
    }
    const role = app.index.role(binding.role);
    return { roleBinding, grants: Array.isArray(role?.['grants']) ? role['grants'] : [] };
  });
  return Promise.resolve({ response: { resolvableGrants } as never });
};
