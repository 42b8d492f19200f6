/**
 * @keystream/service-api — the application of keystream (method handlers behind one request
 * pipeline, the command and query cores) and its HTTP edge.
 */
export type { ApiCall, ApiDispatcher, ApiResult, StreamDispatcher, StreamHandle, StreamSink } from './edgeContract.js';
export { startHttpServer } from './httpServer.js';
export type { HttpEdgeKind, HttpServerOptions, PlainAnswer, RunningHttpServer } from './httpServer.js';
export { peerOf } from './edgePeer.js';
export { loadNativeUws } from './nativeUws.js';
export { transcodeRequest } from './requestTranscoder.js';
export type { HttpRequestParts } from './requestTranscoder.js';
export { RouteTable } from './routeTable.js';
export type { RouteMatch } from './routeTable.js';
export { ChildCounter } from './core/childCounter.js';
export { CommandService } from './core/commandService.js';
export type { CommandResult, CreateRequest, FollowUpCreate } from './core/commandService.js';
export type { ProjectionProgress } from './core/projectionProgress.js';
export { QueryService, phraseFieldsOf } from './core/queryService.js';
export type { CollectionPage, CollectionRequest, Projection, QueryServiceOptions } from './core/queryService.js';
export { ResourceRepository } from './core/resourceRepository.js';
export { followUpEnvelope, reactionEnvelope, requestEnvelope, systemEnvelope } from './application/commandEnvelope.js';
export type { CausingEvent, CommandEnvelope } from './application/commandEnvelope.js';
export type { ApplicationServices, AttestationServices, HandlerContext } from './application/handlerContext.js';
export { EventStoreTicketLedger } from './application/attestation/eventStoreTicketLedger.js';
export type { AnyMethodHandler, HandlerResult, HandlerTable, MethodHandler } from './application/methodHandler.js';
export { buildHandlerRegistry, CUSTOM_HANDLERS, unimplemented } from './application/handlerRegistry.js';
export { standardHandler, standardHandlerOf } from './application/standardHandlers.js';
export { userNameOf } from './application/userNames.js';
export { authzTargetsOf } from './application/pipeline/authzTargets.js';
export type { AuthzTarget } from './application/pipeline/authzTargets.js';
export { CallAuthorization } from './application/pipeline/callAuthorization.js';
export type { Authorized } from './application/pipeline/callAuthorization.js';
export { REQUEST_ID_HEADER, callerRequestIdOf, minPositionOf } from './application/pipeline/requestHeaders.js';
/** Read-your-writes header: the kernel's, re-exported for the edge's callers. */
export { MIN_POSITION_HEADER } from '@keystream/kernel';
export { RequestPipeline, runHandler } from './application/pipeline/requestPipeline.js';
export type { RequestPipelineOptions, WatchPrincipal } from './application/pipeline/requestPipeline.js';
export { shapeResponse } from './application/pipeline/shapeResponse.js';
export type { IdentityProvider, IdentityUser, MfaResetOutcome } from './application/identity/identityProvider.js';
export { jumpConsistentHash, shardOf } from './application/serviceAccounts/shardPlan.js';
export type { ShardPlan } from './application/serviceAccounts/shardPlan.js';
export { ServiceRegistry, SERVICE_REGISTRY_STREAM } from './application/serviceProjects/serviceRegistry.js';
export type { RegisteredService, RegistryState, ServiceReservation } from './application/serviceProjects/serviceRegistry.js';
export { keyPrincipal, principalOfKeyId, userPrincipal } from './application/principals/principalOf.js';
export type { PrincipalMessage } from './application/principals/principalOf.js';
export { DRY_RUN_HEADER } from './application/handlers/deleteUsersByCriteria.js';
export { stepEnvelope } from './application/commandEnvelope.js';
