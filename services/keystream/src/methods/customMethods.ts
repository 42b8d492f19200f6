/**
 * The custom methods keystream serves beyond the standard ones, by contract method name, and the
 * dispatcher that hands a call to its custom method or else to the resource dispatcher.
 */
import type { ApiResult, AuthenticatedCall } from '@keystream/service-api';
import type { CustomMethod, CustomMethodDeps } from './customMethod.js';
import { addRegionalAdminAccountForServices } from './serviceAccounts/addRegionalAdminAccountForServices.js';
import { getMyAgentShard } from './serviceAccounts/getMyAgentShard.js';
import { getShardEndpoints } from './serviceAccounts/getShardEndpoints.js';
import { deleteServiceReservation } from './serviceProjects/deleteServiceReservation.js';
import { listProjectServices } from './serviceProjects/listProjectServices.js';
import { listServiceReservations } from './serviceProjects/listServiceReservations.js';
import { reserveServiceName } from './serviceProjects/reserveServiceName.js';
import { setupServiceProject } from './serviceProjects/setupServiceProject.js';
import { batchGetUsersByEmail } from './users/batchGetUsersByEmail.js';
import { deleteUsersByCriteria } from './users/deleteUsersByCriteria.js';
import { getMySettings } from './users/getMySettings.js';
import { getUserByEmail } from './users/getUserByEmail.js';
import { isUserVerified } from './users/isUserVerified.js';
import { resendVerificationEmail } from './users/resendVerificationEmail.js';
import { resetMfaIfRecoveryKeyUsed } from './users/resetMfaIfRecoveryKeyUsed.js';
import { setMySettings } from './users/setMySettings.js';
import { setUsersNameInAuth0 } from './users/setUsersNameInAuth0.js';

/** Every custom method of this module, by name. */
export const CUSTOM_METHODS: ReadonlyMap<string, CustomMethod> = new Map(
  [
    getUserByEmail,
    batchGetUsersByEmail,
    getMySettings,
    setMySettings,
    resendVerificationEmail,
    isUserVerified,
    resetMfaIfRecoveryKeyUsed,
    setUsersNameInAuth0,
    deleteUsersByCriteria,
    getMyAgentShard,
    getShardEndpoints,
    addRegionalAdminAccountForServices,
    setupServiceProject,
    reserveServiceName,
    deleteServiceReservation,
    listServiceReservations,
    listProjectServices,
  ].map((method) => [method.name, method]),
);

/** A dispatcher serving the custom methods and passing every other call to `fallback`. */
export function customMethodDispatcher(deps: CustomMethodDeps, fallback: (call: AuthenticatedCall) => Promise<ApiResult>): (call: AuthenticatedCall) => Promise<ApiResult> {
  return (call) => {
    const method = CUSTOM_METHODS.get(call.method.name);
    return method === undefined ? fallback(call) : method.handle(call, deps);
  };
}
