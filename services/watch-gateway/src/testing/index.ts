/**
 * Test helpers of the watch gateway (not part of its runtime API).
 */
export { startGatewayHarness } from './gatewayHarness.js';
export type { GatewayHarness } from './gatewayHarness.js';
export { mulberry32 } from './mulberry32.js';
