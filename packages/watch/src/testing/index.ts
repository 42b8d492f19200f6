/**
 * @keystream/watch/testing — fixtures for watch tests (not part of the runtime API).
 */
export { openWatchStoreFixture, positionOf } from './watchStoreFixture.js';
export type { WatchStoreFixture } from './watchStoreFixture.js';
export { RecordingSink } from './recordingSink.js';
