/**
 * @keystream/service-projector — projects the event log into the read store: batched applies
 * with the checkpoint in the same transaction, read-your-writes waits, lag and throughput metrics.
 */
export { DEFAULT_PROJECTOR_NAME, Projector } from './projector.js';
export type { ProjectorLogger, ProjectorOptions } from './projectorOptions.js';
export type { BatchSummary, ProjectorMetrics, ProjectorState } from './projectorMetrics.js';
export { DEFAULT_RETRY_POLICY, isTransientError } from './retryPolicy.js';
export type { RetryPolicy } from './retryPolicy.js';
export { positionTimeoutError } from './positionWaiters.js';
export { positionDistance } from './positionDistance.js';
export { writeForEvent } from './writeForEvent.js';
export type { EventProjection, RejectionReason } from './writeForEvent.js';
