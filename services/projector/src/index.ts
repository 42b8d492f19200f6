/**
 * @keystream/service-projector — projects the event log into the read store: the read-model
 * handler on the checkpointed consumer runtime (batched applies with the checkpoint in the same
 * transaction, read-your-writes waits, lag and throughput metrics).
 */
export { DEFAULT_PROJECTOR_NAME, Projector } from './projector.js';
export type { ProjectorOptions } from './projectorOptions.js';
export type { BatchSummary, ProjectorMetrics, ProjectorState } from './projectorMetrics.js';
export { writeForEvent } from './writeForEvent.js';
export type { EventProjection, RejectionReason } from './writeForEvent.js';
