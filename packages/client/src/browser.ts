/**
 * @keystream/client in a browser (the `browser` export condition): the watch state machines, which
 * are pure, and {@link BrowserWatchSocket} on the browser's WebSocket instead of `ws`.
 */
export { WatchCache, WatchConsistencyError } from './watchCache.js';
export type { CacheChange, CacheStep, Resource, StatelessResponse } from './watchCache.js';
export { PageCache } from './pageCache.js';
export { BEARER_PROTOCOL_PREFIX, BrowserWatchSocket, WATCH_SUBPROTOCOL } from './browserWatchSocket.js';
export type { BrowserSocketConstructor } from './browserWatchSocket.js';
export type { WatchListener } from './watchSocket.js';
