/**
 * A gRPC client of ntt.iam.v1 built only from the generated protos in docs/proto (with
 * @grpc/proto-loader, as any third-party client would), never from the server's code.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

/** The generated protos' root folder. */
export const PROTO_DIR = fileURLToPath(new URL('../../docs/proto', import.meta.url));

type GrpcClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client;
/** A message as proto-loader presents it (lowerCamelCase names, int64, enums and bytes (base64) as strings). */
export type GrpcMessage = Record<string, unknown>;

const definition = protoLoader.loadSync('ntt/iam/v1/iam.proto', { includeDirs: [PROTO_DIR], longs: String, enums: String, bytes: String, defaults: false, oneofs: false });
const iam = (grpc.loadPackageDefinition(definition) as unknown as { ntt: { iam: { v1: Record<string, GrpcClientConstructor> } } }).ntt.iam.v1;

/** google.rpc.Status and BadRequest as a client decodes `grpc-status-details-bin`. */
const RPC = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: { FieldViolation: { fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } } },
            },
          },
        },
      },
    },
  },
});

/** The field violations of a failed call's google.rpc.Status detail (BadRequest). */
export function fieldViolationsOf(error: grpc.ServiceError): { field: string; description: string }[] {
  const [bytes] = error.metadata.get('grpc-status-details-bin');
  if (!(bytes instanceof Buffer)) return [];
  const status = RPC.lookupType('google.rpc.Status').toObject(RPC.lookupType('google.rpc.Status').decode(bytes)) as { details?: { type_url: string; value: Uint8Array }[] };
  const badRequest = RPC.lookupType('google.rpc.BadRequest');
  return (status.details ?? [])
    .filter((detail) => detail.type_url === 'type.googleapis.com/google.rpc.BadRequest')
    .flatMap((detail) => (badRequest.toObject(badRequest.decode(detail.value)) as { field_violations?: { field: string; description: string }[] }).field_violations ?? []);
}

/** A client of one service; close it when done (it holds a connection). */
export function serviceClient(service: string, address: string, options: grpc.ChannelOptions = {}): grpc.Client {
  const Client = iam[service];
  if (Client === undefined) throw new Error(`no service ${service} in the generated protos`);
  return new (Client as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => grpc.Client)(address, grpc.credentials.createInsecure(), options);
}

/** Channel options giving a client a connection of its own (grpc-js otherwise shares one per address). */
export const OWN_CONNECTION: grpc.ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 };

/** Metadata carrying headers (`authorization: Bearer …`). */
export function metadataOf(headers: Readonly<Record<string, string>>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers)) metadata.set(name, value);
  return metadata;
}

/** Result of a unary call: the response and the initial metadata. */
export interface UnaryAnswer {
  readonly response: GrpcMessage;
  readonly metadata: grpc.Metadata;
}

/** Calls a unary method; rejects with the grpc.ServiceError of a failed call. */
export function unaryCall(client: grpc.Client, method: string, request: GrpcMessage, headers: Readonly<Record<string, string>> = {}, options: grpc.CallOptions = {}): Promise<UnaryAnswer> {
  return new Promise((resolve, reject) => {
    let metadata = new grpc.Metadata();
    const invoke = (client as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>)[method];
    if (invoke === undefined) throw new Error(`no method ${method}`);
    const call = invoke.call(client, request, metadataOf(headers), options, (error: grpc.ServiceError | null, response: GrpcMessage) => {
      if (error) reject(error);
      else resolve({ response, metadata });
    });
    call.on('metadata', (received: grpc.Metadata) => {
      metadata = received;
    });
  });
}

/** Opens a server stream; its messages are collected in `messages` and its end in `ended`. */
export function serverStream(client: grpc.Client, method: string, request: GrpcMessage, headers: Readonly<Record<string, string>> = {}, options: grpc.CallOptions = {}) {
  const invoke = (client as unknown as Record<string, (...args: unknown[]) => grpc.ClientReadableStream<GrpcMessage>>)[method];
  if (invoke === undefined) throw new Error(`no method ${method}`);
  const call = invoke.call(client, request, metadataOf(headers), options);
  const messages: GrpcMessage[] = [];
  const ended = new Promise<grpc.StatusObject>((resolve) => {
    call.on('status', resolve);
  });
  call.on('data', (message: GrpcMessage) => messages.push(message));
  // Errors also arrive as the status.
  call.on('error', () => undefined);
  return { call, messages, ended };
}
