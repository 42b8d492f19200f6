/**
 * @keystream/readstore/testing — the ReadStore contract suite, for adapters and their users.
 */
export { describeReadStoreContract } from './readStoreContract.js';
export type { ReadStoreContractFactory, ReadStoreFixture, ReadStoreFixtureOptions } from './readStoreContract.js';
