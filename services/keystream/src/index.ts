/**
 * @keystream/keystream — the composition root. Its public surface is the `keystream` command;
 * the exports here serve tests and embedders.
 */
export { ConfigError, loadConfig, ROLES } from './config.js';
export type { KeystreamConfig, Role, StoreLocation } from './config.js';
export { startKeystream } from './keystreamProcess.js';
export type { RunningKeystream } from './keystreamProcess.js';
export { createLogger } from './logger.js';
export { servicePlan, startBanner } from './servicePlan.js';
export type { ServicePlan } from './servicePlan.js';
export { mintDevToken } from './auth/authServices.js';
export { DEFAULT_DEV_ADMIN } from './config.js';
export type { AuthConfig } from './config.js';
export { PROCESS_MANAGER_STATE_VERSION, processManagerStateDirectory } from './container.js';
export { embeddedIndexes, mongoIndexes } from './mongoIndexes.js';
