/**
 * @keystream/client — the TypeScript SDK: a REST client for every method of the contract, and
 * watch clients that keep a consistent local cache (stateless) or page (stateful).
 */
export { RestClient, RestError } from './restClient.js';
export type { RestClientOptions } from './restClient.js';
export { bestRoute, requestOnRoute, routeRequest } from './restRoute.js';
export type { RouteRequest, WireObject } from './restRoute.js';
export { WatchCache, WatchConsistencyError } from './watchCache.js';
export type { CacheChange, CacheStep, Resource, StatelessResponse } from './watchCache.js';
export { PageCache } from './pageCache.js';
export { WatchSocket } from './watchSocket.js';
export type { WatchListener } from './watchSocket.js';
export { CollectionWatcher } from './collectionWatcher.js';
export type { CollectionWatcherOptions, WatcherStats } from './collectionWatcher.js';
