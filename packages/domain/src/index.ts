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
export { LAST_MODIFIED_BY_ANNOTATION, lastModifiedByOf, stampDecision, withLastModifiedBy } from './decider/lastModifiedBy.js';
export { resolveNewName } from './decider/resolveNewName.js';
export type { Reference } from './behaviours/resourceBehaviour.js';
export { groupEmailOf } from './behaviours/group.js';
export { GROUP_MEMBER_ANCESTRY_ANNOTATION } from './behaviours/groupMember.js';
export { serviceAccountEmailOf } from './behaviours/principals.js';
export { DEFAULT_INVITATION_VALIDITY_DAYS, MAX_INVITATION_VALIDITY_DAYS, invitationOf, invitationScopeOf, timestampAfterDays } from './behaviours/invitation.js';
export { userNameOf } from './behaviours/userNames.js';
export { scopeFieldsOf } from './behaviours/memberAssignment.js';
export { codeIssueOf, decideInvitation, isBearerInvitation, isPastExpiry } from './invitations/decideInvitation.js';
export type { AcceptProof, InvitationCommand, InvitationContext, InvitationKind } from './invitations/decideInvitation.js';
export { INVITATION_ANNOTATIONS, isReservedInvitationAnnotation } from './invitations/invitationAnnotations.js';
export {
  INVITATION_CODE_HASH_KIND,
  INVITATION_CODE_ISSUED,
  INVITATION_CODE_PREFIX,
  generateInvitationCode,
  hashInvitationCode,
  invitationCodeIssuedData,
  invitationCodeStreamOf,
  registrationOf,
} from './invitations/invitationCodes.js';
export type { InvitationCodeRegistration } from './invitations/invitationCodes.js';
export { MEMBER_ASSIGNMENT_REGION, isAssignableScope, memberAssignmentNameOf, parseMemberAssignmentName } from './memberships/memberAssignmentName.js';
export { parseCidr } from './behaviours/cidr.js';
export type { Cidr } from './behaviours/cidr.js';
export { API_KEY_HASH_KIND, API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, keyNameOfRegistration } from './credentials/apiKeyHash.js';
