/**
 * @keystream/consumer — the one runtime of every `$all` consumer (subscribe after its own
 * checkpoint, batch, handle, checkpoint, retry with backoff, metrics, graceful stop) and the
 * stores a checkpoint can live in. Test helpers: `@keystream/consumer/testing`.
 */
export { CheckpointedConsumer } from './checkpointedConsumer.js';
export type { CheckpointedConsumerOptions } from './checkpointedConsumer.js';
export type { ConsumerBatch, ConsumerHandler } from './consumerHandler.js';
export type { BatchReport, ConsumerMetrics, ConsumerState } from './consumerMetrics.js';
export { memoryCheckpointStore } from './checkpointStore.js';
export type { CheckpointStore } from './checkpointStore.js';
export { LmdbCheckpoints, openLmdbCheckpoints } from './lmdbCheckpointStore.js';
export type { LmdbCheckpointStoreOptions } from './lmdbCheckpointStore.js';
export { catchUpOnce } from './catchUpOnce.js';
export type { LogReader } from './catchUpOnce.js';
export { isTransientError } from './isTransientError.js';
export { PositionWaiters, positionTimeoutError } from './positionWaiters.js';
export { ThroughputWindow } from './throughputWindow.js';
export { ConsumerStateStore, memoryStateBackend } from './consumerStateStore.js';
export type { ConsumerStateBackend, StateChange } from './consumerStateStore.js';
export { StateTable } from './stateTable.js';
export type { StateValue } from './stateTable.js';
export { openLmdbConsumerState } from './lmdbConsumerState.js';
export type { LmdbConsumerStateOptions } from './lmdbConsumerState.js';
