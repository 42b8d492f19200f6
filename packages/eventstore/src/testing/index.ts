/**
 * @keystream/eventstore/testing — the EventStore contract suite, for adapters and their users.
 */
export { describeEventStoreContract } from './eventStoreContract.js';
export type { EventStoreContractFactory, EventStoreFixture } from './eventStoreContract.js';
export { eventually, withDeadline } from './deadline.js';
