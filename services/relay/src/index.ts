/**
 * @keystream/service-relay — the event stream relay: `$all` from its own checkpoint to an
 * EventStream (Kafka or NDJSON), at-least-once, per-resource order.
 */
export { DEFAULT_RELAY_NAME, EventStreamRelay } from './eventStreamRelay.js';
export type { EventStreamRelayOptions, RelayLogger, RelayMetrics, RelayState } from './eventStreamRelay.js';
export { DEFAULT_BACKOFF, backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { envelopeOf } from './envelopeOf.js';
