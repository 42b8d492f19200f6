/**
 * Calls one ntt.iam.v1 RPC over gRPC as a client built from the upstream field table alone would:
 * the request (protobuf JSON) is encoded to the binary wire format with @bufbuild/protobuf and the
 * registry of test/support/strictProtoJson.ts, the first response is decoded with the same
 * descriptors, and any field the table does not know is reported. Nothing of keystream's own
 * protos or codecs is used.
 */
import { fromBinary, fromJson, toBinary, type DescMessage, type FileRegistry, type JsonValue, type Message } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import type { RpcRouteRow } from '@keystream/api/testing';
import { metadataOf } from './grpcClient.js';

/** What the first response of a call was. */
export type GrpcOutcome =
  | { readonly ok: true; readonly unknownFields: readonly string[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

function schemaOf(registry: FileRegistry, protoName: string): DescMessage {
  const schema = registry.getMessage(protoName);
  if (schema === undefined) throw new Error(`the wire table has no message ${protoName}`);
  return schema;
}

/** Paths of decoded messages holding fields their descriptor lacks (kept as `$unknown`). */
function unknownFieldsOf(value: unknown, path: string, found: string[]): string[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => unknownFieldsOf(item, `${path}[${index}]`, found));
  } else if (value instanceof Map) {
    for (const [key, item] of value) unknownFieldsOf(item, `${path}[${String(key)}]`, found);
  } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const unknown = (value as { $unknown?: { no: number }[] }).$unknown;
    if (unknown !== undefined && unknown.length > 0) found.push(`${path || '(top)'}: field ${unknown.map((field) => field.no).join(', ')}`);
    for (const [key, item] of Object.entries(value)) if (key !== '$unknown' && key !== '$typeName') unknownFieldsOf(item, path === '' ? key : `${path}.${key}`, found);
  }
  return found;
}

/**
 * Calls `route.rpc` with `request` (protobuf JSON) and resolves to the outcome of its first
 * response: a unary answer, a server stream's first message (the stream is then cancelled), or
 * for a bidirectional stream the answer to the one request sent.
 */
export function callOverGrpc(
  address: string,
  registry: FileRegistry,
  route: RpcRouteRow,
  request: unknown,
  headers: Readonly<Record<string, string>>,
  deadlineMs = 10_000,
): Promise<GrpcOutcome> {
  const input = schemaOf(registry, route.input);
  const output = schemaOf(registry, route.output);
  const encoded = Buffer.from(toBinary(input, fromJson(input, request as JsonValue, { ignoreUnknownFields: false })));
  const path = `/${route.service}/${route.rpc}`;
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const serialize = (bytes: Buffer): Buffer => bytes;
  const deserialize = (bytes: Buffer): Message => fromBinary(output, bytes);
  const options = { deadline: Date.now() + deadlineMs };
  return new Promise<GrpcOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: GrpcOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const failed = (error: grpc.ServiceError): void => {
      settle({ ok: false, code: grpc.status[error.code], message: error.details });
    };
    const answered = (message: Message): void => {
      settle({ ok: true, unknownFields: unknownFieldsOf(message, '', []) });
    };
    if (!route.serverStreaming) {
      client.makeUnaryRequest(path, serialize, deserialize, encoded, metadataOf(headers), options, (error, message) => {
        if (error) failed(error);
        else answered(message as Message);
      });
      return;
    }
    let call: grpc.ClientReadableStream<Message>;
    if (route.clientStreaming) {
      const duplex = client.makeBidiStreamRequest(path, serialize, deserialize, metadataOf(headers), options);
      duplex.write(encoded);
      call = duplex;
    } else {
      call = client.makeServerStreamRequest(path, serialize, deserialize, encoded, metadataOf(headers), options);
    }
    call.on('data', (message: Message) => {
      answered(message);
      call.cancel();
    });
    call.on('error', (error: grpc.ServiceError) => {
      failed(error);
    });
    call.on('status', (status: grpc.StatusObject) => {
      settle(status.code === grpc.status.OK ? { ok: false, code: 'OK', message: 'the stream ended without a message' } : { ok: false, code: grpc.status[status.code], message: status.details });
    });
  }).finally(() => {
    client.close();
  });
}
