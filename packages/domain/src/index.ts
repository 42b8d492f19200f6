/**
 * @keystream/domain — pure deciders for every resource, their events, and process managers.
 */
export { documentEffectOf, eventTypeOf, parseStream, streamOf } from './events/resourceEvents.js';
export type { DocumentEffect, JsonObject, LifecycleVerb, ResourceDeletedEventData, ResourceStateEventData } from './events/resourceEvents.js';
