/**
 * @keystream/api/testing — test helpers for packages that build on the contract.
 */
export { messageArbitrary } from './arbitraryMessage.js';
export { eventually, withDeadline } from './deadline.js';
export { minimalMessage, SAMPLE_PEM } from './minimalMessage.js';
