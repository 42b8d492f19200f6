/**
 * @keystream/watch — the watch engine: single-resource, stateless and stateful watches over the
 * read store's change log, fanned out from one shared tail ({@link ChangeHub}).
 */
export { ChangeHub, FeedLostError } from './changeHub.js';
export type { ChangeHubOptions, HubBucket, HubListener, HubSubscription } from './changeHub.js';
export { DocumentMatcher } from './documentMatcher.js';
export { FanoutGroup, FanoutGroups } from './fanoutGroup.js';
export type { FanoutStats, SharedSeries } from './fanoutGroup.js';
export { applyPageOperations, pageDiff } from './pageDiff.js';
export type { PageItem, PageOperation } from './pageDiff.js';
export { comparePositions, laterPosition } from '@keystream/kernel';
export { decodeResumeToken, encodeResumeToken } from './resumeToken.js';
export { positionBeforeTime } from './startingPosition.js';
export { WatchEngine } from './watchEngine.js';
export type { StreamWatchFactory, WatchEngineOptions, WatchHandle } from './watchEngine.js';
export { DEFAULT_MAX_CHUNK_SIZE, MAX_CHUNK_SIZE, planWatch } from './watchPlan.js';
export type { SingleResourcePlan, StatefulPlan, StatelessPlan, WatchPlan } from './watchPlan.js';
export { ANONYMOUS, SEE_EVERYTHING } from './watchPrincipal.js';
export type { AuthorizationVersion, CanSee, RightsMoved, WatchPrincipal } from './watchPrincipal.js';
export { WatchOverflowError } from './watchRunner.js';
export type { WatchFaults } from './watchRunner.js';
export { WatchResponses } from './watchResponses.js';
export type { WatchSink } from './watchSink.js';
