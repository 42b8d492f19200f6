/**
 * The handler registry: one handler per method of the contract, keyed by the method's name.
 *
 * Standard methods get the generic descriptor-driven handlers; a custom method is one file under
 * `handlers/` and one line in {@link CUSTOM_HANDLERS} (which also overrides a standard method that
 * does more than the generic one). Every other method answers UNIMPLEMENTED through
 * {@link unimplemented}: the one place a method of the contract is declared not served yet.
 */
import { ALL_METHODS, KeystreamError, type MethodDescriptor, type MethodName } from '@keystream/api';
import { addRegionalAdminAccountForServices } from './handlers/addRegionalAdminAccountForServices.js';
import { batchGetUsersByEmail } from './handlers/batchGetUsersByEmail.js';
import { checkMyRoleBindings } from './handlers/checkMyRoleBindings.js';
import { createOrganization } from './handlers/createOrganization.js';
import { createProject } from './handlers/createProject.js';
import { createRoleBinding } from './handlers/createRoleBinding.js';
import { createServiceAccountKey } from './handlers/createServiceAccountKey.js';
import { deleteServiceReservation } from './handlers/deleteServiceReservation.js';
import { deleteUsersByCriteria } from './handlers/deleteUsersByCriteria.js';
import { getMyAgentShard } from './handlers/getMyAgentShard.js';
import { getMySettings } from './handlers/getMySettings.js';
import { getPrincipal } from './handlers/getPrincipal.js';
import { getShardEndpoints } from './handlers/getShardEndpoints.js';
import { getUserByEmail } from './handlers/getUserByEmail.js';
import { isUserVerified } from './handlers/isUserVerified.js';
import { listProjectServices } from './handlers/listProjectServices.js';
import { listServiceReservations } from './handlers/listServiceReservations.js';
import { refreshUserFromIdToken } from './handlers/refreshUserFromIdToken.js';
import { registerService } from './handlers/registerService.js';
import { resendVerificationEmail } from './handlers/resendVerificationEmail.js';
import { reserveServiceName } from './handlers/reserveServiceName.js';
import { resetMfaIfRecoveryKeyUsed } from './handlers/resetMfaIfRecoveryKeyUsed.js';
import { setMySettings } from './handlers/setMySettings.js';
import { setupServiceProject } from './handlers/setupServiceProject.js';
import { setUsersNameInAuth0 } from './handlers/setUsersNameInAuth0.js';
import { verify } from './handlers/verify.js';
import type { AnyMethodHandler, HandlerTable } from './methodHandler.js';
import { standardHandlerOf } from './standardHandlers.js';

/** The custom methods served, and the standard ones that do more than the generic handler. */
export const CUSTOM_HANDLERS: HandlerTable = {
  AddRegionalAdminAccountForServices: addRegionalAdminAccountForServices,
  BatchGetUsersByEmail: batchGetUsersByEmail,
  CheckMyRoleBindings: checkMyRoleBindings,
  CreateOrganization: createOrganization,
  CreateProject: createProject,
  CreateRoleBinding: createRoleBinding,
  CreateServiceAccountKey: createServiceAccountKey,
  DeleteServiceReservation: deleteServiceReservation,
  DeleteUsersByCriteria: deleteUsersByCriteria,
  GetMyAgentShard: getMyAgentShard,
  GetMySettings: getMySettings,
  GetPrincipal: getPrincipal,
  GetShardEndpoints: getShardEndpoints,
  GetUserByEmail: getUserByEmail,
  IsUserVerified: isUserVerified,
  ListProjectServices: listProjectServices,
  ListServiceReservations: listServiceReservations,
  RefreshUserFromIdToken: refreshUserFromIdToken,
  RegisterService: registerService,
  ResendVerificationEmail: resendVerificationEmail,
  ReserveServiceName: reserveServiceName,
  ResetMFAIfRecoveryKeyUsed: resetMfaIfRecoveryKeyUsed,
  SetMySettings: setMySettings,
  SetupServiceProject: setupServiceProject,
  SetUsersNameInAuth0: setUsersNameInAuth0,
  Verify: verify,
};

/** The answer of a method of the contract that this version does not serve yet. */
export function unimplemented(method: MethodDescriptor): AnyMethodHandler {
  return () => Promise.reject(new KeystreamError('UNIMPLEMENTED', `${method.name} is part of the contract but not served by this version of keystream yet`));
}

/**
 * Every method's handler, the reference's and keystream's extensions: custom first, then the
 * generic standard one, else {@link unimplemented} (the invitation extensions are added by the
 * process that serves invitations).
 */
export function buildHandlerRegistry(custom: HandlerTable = CUSTOM_HANDLERS): ReadonlyMap<MethodName, AnyMethodHandler> {
  const registry = new Map<MethodName, AnyMethodHandler>();
  for (const method of ALL_METHODS) {
    // Each entry of the table is typed by its own method; the registry holds them side by side.
    const own = custom[method.name] as AnyMethodHandler | undefined;
    registry.set(method.name, own ?? standardHandlerOf(method) ?? unimplemented(method));
  }
  return registry;
}
