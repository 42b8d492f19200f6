/**
 * @keystream/domain — pure deciders for every resource, their events, and process managers.
 */
export { documentEffectOf, eventTypeOf, parseStream, streamOf } from './events/resourceEvents.js';
export type { DocumentEffect, JsonObject, LifecycleVerb, ResourceDeletedEventData, ResourceStateEventData } from './events/resourceEvents.js';
export { ABSENT, evolveResource, expectedRevisionOf, foldResource, nextRevisionOf } from './decider/resourceState.js';
export type { FoldableEvent, ResourceState } from './decider/resourceState.js';
export { decideResource, referencesOf } from './decider/resourceDecider.js';
export type { Decision, DomainEvent, ResourceCommand } from './decider/resourceDecider.js';
export type { DecideContext } from './decider/decideContext.js';
export { resolveNewName } from './decider/resolveNewName.js';
export type { Reference } from './behaviours/resourceBehaviour.js';
export { groupEmailOf } from './behaviours/group.js';
export { serviceAccountEmailOf } from './behaviours/principals.js';
export { DEFAULT_INVITATION_VALIDITY_DAYS } from './behaviours/invitation.js';
export { parseCidr } from './behaviours/cidr.js';
export type { Cidr } from './behaviours/cidr.js';
export { API_KEY_HASH_KIND, API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, keyNameOfRegistration } from './credentials/apiKeyHash.js';
