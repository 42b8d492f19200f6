/**
 * The handler registry: one handler per method of the contract, keyed by the method's name.
 *
 * Standard methods get the generic descriptor-driven handlers; a custom method is one file under
 * `handlers/` and one line in {@link CUSTOM_HANDLERS} (which also overrides a standard method that
 * does more than the generic one). Every other method answers UNIMPLEMENTED through
 * {@link unimplemented}: the one place a method of the contract is declared not served yet.
 */
import { KeystreamError, METHODS, type MethodDescriptor, type MethodName } from '@keystream/api';
import { checkMyRoleBindings } from './handlers/checkMyRoleBindings.js';
import { createOrganization } from './handlers/createOrganization.js';
import { createProject } from './handlers/createProject.js';
import { createRoleBinding } from './handlers/createRoleBinding.js';
import { createServiceAccountKey } from './handlers/createServiceAccountKey.js';
import { getPrincipal } from './handlers/getPrincipal.js';
import { refreshUserFromIdToken } from './handlers/refreshUserFromIdToken.js';
import { verify } from './handlers/verify.js';
import type { AnyMethodHandler, HandlerTable } from './methodHandler.js';
import { standardHandlerOf } from './standardHandlers.js';

/** The custom methods served, and the standard ones that do more than the generic handler. */
export const CUSTOM_HANDLERS: HandlerTable = {
  CheckMyRoleBindings: checkMyRoleBindings,
  CreateOrganization: createOrganization,
  CreateProject: createProject,
  CreateRoleBinding: createRoleBinding,
  CreateServiceAccountKey: createServiceAccountKey,
  GetPrincipal: getPrincipal,
  RefreshUserFromIdToken: refreshUserFromIdToken,
  Verify: verify,
};

/** The answer of a method of the contract that this version does not serve yet. */
export function unimplemented(method: MethodDescriptor): AnyMethodHandler {
  return () => Promise.reject(new KeystreamError('UNIMPLEMENTED', `${method.name} is part of the contract but not served by this version of keystream yet`));
}

/** Every method's handler: custom first, then the generic standard one, else {@link unimplemented}. */
export function buildHandlerRegistry(custom: HandlerTable = CUSTOM_HANDLERS): ReadonlyMap<MethodName, AnyMethodHandler> {
  const registry = new Map<MethodName, AnyMethodHandler>();
  for (const method of METHODS) {
    // Each entry of the table is typed by its own method; the registry holds them side by side.
    const own = custom[method.name] as AnyMethodHandler | undefined;
    registry.set(method.name, own ?? standardHandlerOf(method) ?? unimplemented(method));
  }
  return registry;
}
