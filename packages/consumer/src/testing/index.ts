/** Test helpers of @keystream/consumer: a scripted event store for consumers' unit specs. */
export { ScriptedEventStore, positionAt, recordedEvent, scriptedSubscription } from './scriptedEventStore.js';
export type { ScriptEnd } from './scriptedEventStore.js';
