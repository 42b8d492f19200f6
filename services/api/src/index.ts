/**
 * @keystream/service-api — the HTTP edge of keystream.
 */
export { startHttpServer } from './httpServer.js';
export type { ApiCall, ApiDispatcher, ApiResult, EdgeLogger, HttpServerOptions, RunningHttpServer } from './httpServer.js';
export { loadNativeUws } from './nativeUws.js';
export { transcodeRequest } from './requestTranscoder.js';
export type { HttpRequestParts } from './requestTranscoder.js';
export { RouteTable } from './routeTable.js';
export type { RouteMatch } from './routeTable.js';
