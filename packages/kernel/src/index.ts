/**
 * @keystream/kernel — the primitives every keystream package shares, one copy of each: positions
 * in the event log, JSON types and the object guard, the logger interface, the retry policy, and
 * field-name case conversion, the notice of commits another process makes to an LMDB
 * environment and the encoding of its object databases, and listening for connections another
 * process may serve. It depends on nothing but Node.
 */
export { START_POSITION, comparePositions, isPositionText, laterPosition } from './position.js';
export type { Position } from './position.js';
export { positionDistance } from './positionDistance.js';
export { MIN_POSITION_HEADER, minPositionHeaders } from './minPosition.js';
export { isObject } from './json.js';
export type { JsonObject, JsonValue } from './json.js';
export { SILENT_LOGGER } from './logger.js';
export type { Logger } from './logger.js';
export { DEFAULT_RETRY_POLICY, backoffDelay, sleep } from './retryPolicy.js';
export type { RetryPolicy } from './retryPolicy.js';
export { camelToSnake, snakeToCamel } from './fieldCase.js';
export { COMMIT_POLL_MILLISECONDS, watchEnvironmentCommits } from './environmentCommits.js';
export type { EnvironmentCommitWatch } from './environmentCommits.js';
export { keptFile } from './keptFile.js';
export { LMDB_PLAIN_MSGPACK } from './lmdbEncoding.js';
export { listenExclusive, serveUnread } from './connections.js';
