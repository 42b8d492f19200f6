/**
 * @keystream/service-grpc — the gRPC edge of keystream: ntt.iam.v1 over gRPC with the generated
 * protos, in front of the same request pipeline and watch engine as the REST and WebSocket edges.
 */
export { startGrpcServer, startHandedGrpcServer, remoteAddressOf } from './grpcServer.js';
export type { GrpcCallOutcome, GrpcEdge, GrpcServerOptions, RunningGrpcServer, ShareGrpcConnection } from './grpcServer.js';
export { loadProtoRoot, PROTO_ROOT, resolveProtoImport, SERVICE_FILES } from './protoCatalog.js';
export { messageFromJson, messageToJson } from './protoJson.js';
export { grpcStatusOf, RPC_STATUS_ROOT } from './grpcStatus.js';
