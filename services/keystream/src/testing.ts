/**
 * @keystream/keystream/testing — helpers for tests and benchmarks of other workspaces: a keystream
 * core with authorization, without the HTTP edge. Not part of the runtime surface.
 */
export { outcomeOf, startAuthTestWorld } from './auth/authTestWorld.js';
export type { AuthTestWorld } from './auth/authTestWorld.js';
