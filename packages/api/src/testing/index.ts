/**
 * @keystream/api/testing — test helpers for packages that build on the contract.
 */
export { messageArbitrary } from './arbitraryMessage.js';
export { eventually, withDeadline } from './deadline.js';
export { minimalMessage, SAMPLE_PEM } from './minimalMessage.js';
export { findUpstreamDirectory, readUpstreamTables, upstreamDirectory } from '../codegen/upstreamTables.js';
export type { EnumValueRow, RpcRouteRow, RuleRow, UpstreamTables, WireFieldRow } from '../codegen/upstreamTables.js';
export { gatewayRequest, setPath, templateVariables } from './gatewayRequest.js';
export type { GatewayRequest, WireRequest } from './gatewayRequest.js';
export { richMessage } from './richMessage.js';
export type { RichMessageOptions } from './richMessage.js';
