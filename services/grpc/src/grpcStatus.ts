/**
 * KeystreamError → gRPC status: the canonical code, the message, and a `google.rpc.Status` with
 * the error's details (BadRequest field violations, ErrorInfo, RetryInfo) in
 * `grpc-status-details-bin`, as the google.rpc error model puts them on the gRPC wire.
 */
import { STATUS_CODES, type KeystreamError } from '@keystream/api';
import { Metadata, status as grpcCode, type StatusObject } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/** The google.rpc messages the details use, by their field numbers (google/rpc/status.proto, error_details.proto). */
const RPC_ROOT = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: { FieldViolation: { fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } } },
            },
            ErrorInfo: { fields: { reason: { type: 'string', id: 1 }, domain: { type: 'string', id: 2 }, metadata: { keyType: 'string', type: 'string', id: 3 } as protobuf.IField } },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});

const STATUS = RPC_ROOT.lookupType('google.rpc.Status');
const TYPE_PREFIX = 'type.googleapis.com/';

/** The google.rpc.Status types, for clients decoding `grpc-status-details-bin`. */
export const RPC_STATUS_ROOT = RPC_ROOT;

/** Converts a JSON duration ("1.5s") to google.protobuf.Duration's object form. */
function durationOf(text: unknown): { seconds: number; nanos: number } {
  const seconds = Number.parseFloat(String(text));
  const safe = Number.isFinite(seconds) ? seconds : 0;
  return { seconds: Math.floor(safe), nanos: Math.round((safe - Math.floor(safe)) * 1e9) };
}

/** One detail of the JSON error model as a packed Any, or undefined for a type this edge does not know. */
function packDetail(detail: Readonly<Record<string, unknown>>): { type_url: string; value: Uint8Array } | undefined {
  const typeUrl = String(detail['@type']);
  const name = typeUrl.startsWith(TYPE_PREFIX) ? typeUrl.slice(TYPE_PREFIX.length) : typeUrl;
  const type = RPC_ROOT.lookup(name);
  if (!(type instanceof protobuf.Type)) return undefined;
  let object: Record<string, unknown>;
  if (name === 'google.rpc.BadRequest') object = { field_violations: detail['fieldViolations'] ?? [] };
  else if (name === 'google.rpc.RetryInfo') object = { retry_delay: durationOf(detail['retryDelay']) };
  else object = { reason: detail['reason'], domain: detail['domain'], metadata: detail['metadata'] ?? {} };
  return { type_url: typeUrl, value: type.encode(type.fromObject(object)).finish() };
}

/** The gRPC status of an error: code, message, and its details as google.rpc.Status in the trailers. */
export function grpcStatusOf(error: KeystreamError): Partial<StatusObject> {
  // grpc-js's status enum is google.rpc.Code by name.
  const code = grpcCode[error.code];
  const details = error.details.map(packDetail).filter((detail) => detail !== undefined);
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(STATUS.encode(STATUS.fromObject({ code: STATUS_CODES[error.code], message: error.message, details })).finish()));
  return { code, details: error.message, metadata };
}
