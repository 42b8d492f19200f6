/**
 * @keystream/authz — who is calling (authentication) and what they may do (authorization).
 */
export { actorOf, ANONYMOUS, directMembersOf } from './principal.js';
export type { AnonymousPrincipal, Principal, ServiceAccountPrincipal, UserPrincipal } from './principal.js';
export { isUnderPrefix, isWildcardScope, scopeChainOf, scopeOfName, SYSTEM_SCOPE } from './scopes.js';
export type { AncestrySource } from './scopes.js';
export { IpMatcher, normalizeAddress } from './ipMatcher.js';
export { AUTHZ_KINDS, AuthzIndex, bindingEntryOf } from './authzIndex.js';
export {
  ACT_AS_PERMISSION,
  assertNoEscalation,
  ESCALATE_PERMISSION,
  missingRights,
  rightsGainedByActingAs,
  rightsGainedByBinding,
  rightsGainedByConditionUpdate,
  rightsGainedByGroupMembership,
  rightsGainedByInvitation,
  rightsGainedByRoleUpdate,
  rightsOfBinding,
  rightsOfMembers,
} from './escalation.js';
export type { GainedRight, NoEscalationOptions } from './escalation.js';
export type { BindingEntry, ConditionReference, IndexedEvent, ScopeParamValue } from './authzIndex.js';
export { Authorizer, expandTemplate, valuesAtPath } from './authorizer.js';
export { attestationConditionPasses, DEFAULT_ATTESTATION_EXCEPTIONS } from './attestationCondition.js';
export type { AuthorizationDecision, AuthorizationRequest } from './authorizer.js';
export { AuthzFeed } from './authzFeed.js';
export type { EventLog, LoggedEvent } from './authzFeed.js';
export { BUILTIN_ROLES, IAM_SERVICE, bootstrapAdminBinding, builtinSeed, iamPermissions } from './builtinRoles.js';
export type { SeedResource } from './builtinRoles.js';
export { unauthenticated } from './authn/authenticationError.js';
export { DEV_ISSUER, DEV_ISSUER_KEY_FILE, DevIssuer } from './authn/devIssuer.js';
export type { DevTokenClaims } from './authn/devIssuer.js';
export { OidcVerifier } from './authn/oidcVerifier.js';
export { assertNoCriticalExtensions, assertTokenTimes, MAX_DEV_TOKEN_LIFETIME_SECONDS, TOKEN_CLOCK_SKEW_SECONDS, UNVERIFIED_USER_DOMAIN, userOfClaims } from './authn/tokenChecks.js';
export { conditionPasses } from './conditionPasses.js';
export { conditionSubjects } from './conditionSubjects.js';
export type { ConditionSubjectsInput } from './conditionSubjects.js';
export type { JwksSource, OidcSettings } from './authn/oidcVerifier.js';
export {
  API_KEY_PREFIX,
  MAX_SELF_SIGNED_LIFETIME_SECONDS,
  generateApiKey,
  generateRsaKeyPair,
  hashApiKey,
  peekJwt,
  readPublicKey,
  signSelfIssuedToken,
  verifySelfIssuedToken,
} from './authn/serviceAccountKeys.js';
export type { KeyAlgorithm, ServiceAccountCredentials } from './authn/serviceAccountKeys.js';
export { assertKeyValid, Authenticator } from './authn/authenticator.js';
export type { AuthenticatorOptions, CredentialStore } from './authn/authenticator.js';
