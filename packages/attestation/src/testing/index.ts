/** Test helpers of the attestation package (not part of its runtime API). */
export { SoftwareTpm, softwareTpmUnavailable } from './softwareTpm.js';
export type { TpmAk, TpmQuote } from './softwareTpm.js';
