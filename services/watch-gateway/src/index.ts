/**
 * @keystream/service-watch-gateway — the watch gateway: WebSocket and NDJSON transports for every
 * Watch method over one shared change-log tail.
 */
export { CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, WATCH_PATH, WatchGateway } from './watchGateway.js';
export type { PrincipalResolver, WatchAuthorizer, WatchGatewayOptions } from './watchGateway.js';
export { parseClientFrame } from './watchFrames.js';
export type { ClientFrame } from './watchFrames.js';
export { BEARER_PROTOCOL_PREFIX, WATCH_SUBPROTOCOL, readProtocolOffer } from './protocolOffer.js';
export type { ProtocolOffer } from './protocolOffer.js';
