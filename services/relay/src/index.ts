/**
 * @keystream/service-relay — the event stream relay: `$all` from its own checkpoint (kept beside
 * its destination) to an EventStream (Kafka or NDJSON), at-least-once, per-resource order.
 */
export { DEFAULT_RELAY_NAME, EventStreamRelay } from './eventStreamRelay.js';
export type { EventStreamRelayOptions, RelayMetrics, RelayState } from './eventStreamRelay.js';
export { cloudEventOf } from './cloudEventOf.js';
