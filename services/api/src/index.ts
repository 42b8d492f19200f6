/**
 * @keystream/service-api — the HTTP edge of keystream.
 */
export { startHttpServer } from './httpServer.js';
export type { ApiCall, ApiDispatcher, ApiResult, HttpServerOptions, PlainAnswer, RunningHttpServer } from './httpServer.js';
export { loadNativeUws } from './nativeUws.js';
export { transcodeRequest } from './requestTranscoder.js';
export type { HttpRequestParts } from './requestTranscoder.js';
export { RouteTable } from './routeTable.js';
export type { RouteMatch } from './routeTable.js';
export { ChildCounter } from './core/childCounter.js';
export { CommandService } from './core/commandService.js';
export type { CommandOrigin, CommandResult, CreateRequest } from './core/commandService.js';
export type { ProjectionProgress } from './core/projectionProgress.js';
export { QueryService } from './core/queryService.js';
export type { CollectionPage, CollectionRequest, Projection, QueryServiceOptions } from './core/queryService.js';
export { REQUEST_ID_HEADER, ResourceDispatcher } from './core/resourceDispatcher.js';
/** Read-your-writes header: the kernel's, re-exported for the edge's callers. */
export { MIN_POSITION_HEADER } from '@keystream/kernel';
export type { AuthenticatedCall } from './core/resourceDispatcher.js';
export { ResourceRepository } from './core/resourceRepository.js';
