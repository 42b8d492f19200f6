/**
 * @keystream/eventstore/testing — the EventStore contract suite, for adapters and their users.
 */
export { describeEventStoreContract, reopenableFixture } from './eventStoreContract.js';
export type { EventStoreContractFactory, EventStoreFixture } from './eventStoreContract.js';
// Re-exported for the packages whose tests already import them from here.
export { eventually, withDeadline } from '@keystream/api/testing';
