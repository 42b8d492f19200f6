/**
 * The gRPC edge: every RPC of ntt.iam.v1 on @grpc/grpc-js, its messages encoded with the generated
 * protos (docs/proto). A transport only: it decodes a call into the contract's internal form and
 * hands it to the same dispatchers the REST edge uses — unary RPCs to the request pipeline, the
 * Watch RPCs to the watch gateway's stream dispatcher (the same watch engine), a bidirectional RPC
 * (Verify) to the pipeline once per client message. No use case lives here.
 *
 * Authentication is the pipeline's, from the `authorization: Bearer …` metadata; a response's
 * headers (`x-keystream-min-position`…) are sent as initial metadata; errors are gRPC statuses with
 * google.rpc.Status details. A cancelled call or one past its deadline aborts its dispatch, and a
 * cancelled watch is closed, which frees it in the engine. Reflection and the standard health
 * service are served beside the API, so grpcurl and load balancers need no proto files.
 *
 * The edge accepts its TCP connections itself (node:net) and hands each to grpc-js's HTTP/2 server
 * unread, so a connection can go to another process first: `keystream start` shares them with its
 * replica children as it shares HTTP ones (`shareConnection`), and a replica serves the ones it is
 * handed (`startHandedGrpcServer`), without a port of its own.
 */
import {
  decodeMessage,
  encodedOnce,
  encodeMessage,
  isKeystreamError,
  KeystreamError,
  METHODS,
  type MessageName,
  type MethodDescriptor,
} from '@keystream/api';
import { listenExclusive, serveUnread, type Logger } from '@keystream/kernel';
import type { ApiCall, ApiDispatcher, StreamDispatcher, StreamHandle } from '@keystream/service-api';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { createServer, type Socket } from 'node:net';
import protobuf from 'protobufjs';
import { loadProtoRoot, PROTO_ROOT, SERVICE_FILES } from './protoCatalog.js';
import { messageFromJson, messageToJson } from './protoJson.js';
import { grpcStatusOf } from './grpcStatus.js';

/** What the gRPC edge serves with. */
export interface GrpcServerOptions {
  /** Unary calls (and each message of a bidirectional call): the request pipeline's dispatch. */
  readonly dispatcher: ApiDispatcher;
  /** Server-streaming calls (Watch…); without it they answer UNIMPLEMENTED. */
  readonly streamDispatcher?: StreamDispatcher;
  readonly logger: Pick<Logger, 'error'>;
  /** Largest request message (default 4 MiB, gRPC's usual limit). */
  readonly maxMessageBytes?: number;
  /** Told of each call once answered: unary calls, and streams when they end. */
  readonly onCallFinished?: (outcome: GrpcCallOutcome) => void;
}

/** One finished call, for metrics. */
export interface GrpcCallOutcome {
  /** The contract's method name (`GetGroup`). */
  readonly method: string;
  /** The gRPC status code it ended with (0: OK). */
  readonly code: number;
  readonly seconds: number;
}

/** A gRPC edge serving the connections handed to it (a replica's). */
export interface GrpcEdge {
  /** Serves an accepted TCP connection that nothing has read from yet. */
  adopt(socket: Socket): void;
  /** The number of server streams open now (watches and bidirectional calls). */
  readonly openStreams: () => number;
  /** Marks the services NOT_SERVING, ends open streams, and stops (forcibly after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** A listening gRPC edge. */
export interface RunningGrpcServer extends GrpcEdge {
  readonly port: number;
}

/** Where a listening edge may send a connection before serving it: true when another process took it. */
export type ShareGrpcConnection = (socket: Socket) => boolean;

/** One RPC as the edge serves it: its contract method and message types. */
interface Rpc {
  readonly path: string;
  readonly method: MethodDescriptor;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
}

/** What every kind of server call has. */
type SurfaceCall = grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>;

/** Request metadata as the pipeline reads headers: lower-case names, text values only. */
function headersOf(metadata: grpc.Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.getMap())) if (typeof value === 'string') headers[name] = value;
  return headers;
}

/** The client's address without its port (`ipv4:1.2.3.4:5`, `[::1]:5`, `1.2.3.4:5` → the address). */
export function remoteAddressOf(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(bare);
  if (bracketed) return bracketed[1] ?? '';
  const withPort = /^([^:]+):\d+$/.exec(bare);
  return withPort ? (withPort[1] ?? bare) : bare;
}

function metadataOf(headers: Readonly<Record<string, string>> | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(headers ?? {})) metadata.set(name, value);
  return metadata;
}

/** The RPCs of the generated protos, each matched to its method of the contract. */
function rpcsOf(root: protobuf.Root): Rpc[] {
  const rpcs: Rpc[] = [];
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Service) {
        for (const method of nested.methodsArray) {
          const descriptor = METHODS.find((candidate) => candidate.name === method.name);
          if (descriptor === undefined) throw new Error(`${nested.fullName}.${method.name} is in the protos but not in the contract`);
          rpcs.push({
            path: `/${nested.fullName.slice(1)}/${method.name}`,
            method: descriptor,
            requestType: method.resolvedRequestType as protobuf.Type,
            responseType: method.resolvedResponseType as protobuf.Type,
            clientStreaming: method.requestStream === true,
            serverStreaming: method.responseStream === true,
          });
        }
      } else if (nested instanceof protobuf.Namespace) {
        visit(nested);
      }
    }
  };
  visit(root);
  return rpcs;
}

/** Fields bound by the primary route's path (`ask_for_challenge.attestation_domain`), in internal (camelCase) segments. */
function pathBoundFields(method: MethodDescriptor): string[][] {
  const primary = method.routes.find((route) => route.primary) ?? method.routes[0];
  return (primary?.template.variables ?? []).map((variable) => variable.fieldPath.split('.').map((part) => part.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase())));
}

/** Copies the path-bound fields of a bidirectional call's first message into a later one that leaves them out. */
function withRoutedFields(request: Record<string, unknown>, first: Record<string, unknown>, bound: readonly string[][]): Record<string, unknown> {
  const copy = structuredClone(request);
  for (const segments of bound) {
    let source: unknown = first;
    let target: Record<string, unknown> = copy;
    segments.forEach((segment, index) => {
      source = (source as Record<string, unknown> | undefined)?.[segment];
      if (index === segments.length - 1) {
        if (target[segment] === undefined && source !== undefined) target[segment] = source;
      } else {
        target[segment] = (target[segment]) ?? {};
        target = target[segment] as Record<string, unknown>;
      }
    });
  }
  return copy;
}

/** Response headers a bidirectional exchange hands back with its next message (Verify's challenge ticket). */
const CARRIED_HEADER_PREFIX = 'x-keystream-';

/**
 * Starts the gRPC edge on `host:port` (port 0 picks a free one). With `shareConnection`, each
 * accepted connection is offered to it first, unread, and served here only when it declines.
 */
export async function startGrpcServer(host: string, port: number, options: GrpcServerOptions & { readonly shareConnection?: ShareGrpcConnection }): Promise<RunningGrpcServer> {
  const edge = createGrpcEdge(options);
  const share = options.shareConnection;
  // Accepted paused, so a connection handed to another process carries every byte the client sent.
  const listener = createServer({ pauseOnConnect: true }, (socket) => {
    if (share === undefined || !share(socket)) edge.adopt(socket);
  });
  const shown = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let boundPort: number;
  try {
    boundPort = await listenExclusive(listener, host, port);
  } catch (error) {
    await edge.close(0);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw Object.assign(new Error(`cannot listen for gRPC on ${shown}: the address is in use by another process`, { cause: error }), { code });
    throw new Error(`cannot listen for gRPC on ${shown}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    port: boundPort,
    adopt: (socket) => {
      edge.adopt(socket);
    },
    openStreams: () => edge.openStreams(),
    close: async (graceMs) => {
      // No new connection from here; those accepted are drained by the edge.
      const stopped = new Promise<void>((resolve) => listener.close(() => { resolve(); }));
      await edge.close(graceMs);
      await stopped;
    },
  };
}

/** A gRPC edge without a port: it serves the connections another process hands it (a replica's). */
export function startHandedGrpcServer(options: GrpcServerOptions): GrpcEdge {
  return createGrpcEdge(options);
}

function createGrpcEdge(options: GrpcServerOptions): GrpcEdge {
  const root = loadProtoRoot();
  const rpcs = rpcsOf(root);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes ?? 4 * 1024 * 1024,
    // Clients keep long-lived watch streams open; let them ping to keep idle connections alive.
    'grpc.keepalive_permit_without_calls': 1,
  });
  const streams = new Set<() => void>();
  let closing = false;
  const shuttingDown = (): KeystreamError => new KeystreamError('UNAVAILABLE', 'keystream is shutting down; retry on another instance (a watch resumes with its last resume token)');

  const asError = (error: unknown, rpc: Rpc): KeystreamError => {
    if (isKeystreamError(error)) return error;
    const incident = Math.random().toString(36).slice(2, 10);
    options.logger.error({ incident, rpc: rpc.path, error }, 'gRPC call failed unexpectedly');
    return new KeystreamError('INTERNAL', `internal error; quote incident ${incident} when reporting it`);
  };

  /** Binary request → internal form, validated by the contract's decoder (INVALID_ARGUMENT naming fields). */
  const decodeRequest = (rpc: Rpc, bytes: Buffer): Record<string, unknown> => {
    let json: unknown;
    try {
      json = messageToJson(rpc.requestType, rpc.requestType.decode(bytes));
    } catch (error) {
      throw new KeystreamError('INVALID_ARGUMENT', `the request is not a valid ${rpc.requestType.fullName.slice(1)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return decodeMessage(rpc.method.requestType as MessageName, json);
  };

  const encodeResponse = (rpc: Rpc, response: unknown): Buffer => {
    const json = rpc.method.responseType === 'Empty' ? {} : encodeMessage(rpc.method.responseType as MessageName, response as never);
    return Buffer.from(rpc.responseType.encode(messageFromJson(rpc.responseType, json)).finish());
  };

  /** An abort signal for a call: aborted when the client cancels or the deadline passes. */
  const signalOf = (call: SurfaceCall): AbortController => {
    const abort = new AbortController();
    (call as grpc.ServerUnaryCall<Buffer, Buffer>).on('cancelled', () => {
      abort.abort(new KeystreamError('CANCELLED', 'the client cancelled the call'));
    });
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (Number.isFinite(at)) {
      const timer = setTimeout(() => { abort.abort(new KeystreamError('DEADLINE_EXCEEDED', 'the call\'s deadline passed')); }, Math.max(0, at - Date.now()));
      timer.unref();
      abort.signal.addEventListener('abort', () => { clearTimeout(timer); });
    }
    return abort;
  };

  const apiCall = (rpc: Rpc, call: SurfaceCall, request: unknown, signal: AbortSignal, extraHeaders: Record<string, string> = {}): ApiCall => ({
    method: rpc.method,
    request,
    headers: { ...headersOf(call.metadata), ...extraHeaders },
    remoteAddress: remoteAddressOf(call.getPeer()),
    signal,
  });

  /** Reports a call's end (`onCallFinished`) with the code it ended with. */
  const finished = (rpc: Rpc, startedAt: number, code: number): void => {
    options.onCallFinished?.({ method: rpc.method.name, code, seconds: (performance.now() - startedAt) / 1000 });
  };
  /** The code of a call its client cancelled or its deadline ended. */
  const abortedCode = (signal: AbortSignal): number => {
    const reason: unknown = signal.reason;
    return isKeystreamError(reason) ? (grpcStatusOf(reason).code ?? grpc.status.CANCELLED) : grpc.status.CANCELLED;
  };

  const unary = (rpc: Rpc): grpc.handleUnaryCall<Buffer, Buffer> => (call, callback) => {
    const startedAt = performance.now();
    const abort = signalOf(call);
    void (async () => {
      let code: number = grpc.status.OK;
      try {
        const request = decodeRequest(rpc, call.request);
        const result = await options.dispatcher(apiCall(rpc, call, request, abort.signal));
        if (abort.signal.aborted) {
          code = abortedCode(abort.signal);
          return;
        }
        if (result.headers !== undefined) call.sendMetadata(metadataOf(result.headers));
        callback(null, encodeResponse(rpc, result.response));
      } catch (error) {
        if (abort.signal.aborted) code = abortedCode(abort.signal);
        else {
          const status = grpcStatusOf(asError(error, rpc));
          code = status.code ?? grpc.status.UNKNOWN;
          callback(status);
        }
      } finally {
        finished(rpc, startedAt, code);
        abort.abort();
      }
    })();
  };

  const serverStream = (rpc: Rpc): grpc.handleServerStreamingCall<Buffer, Buffer> => (call) => {
    const startedAt = performance.now();
    const abort = signalOf(call);
    const dispatcher = options.streamDispatcher;
    let code: number = grpc.status.OK;
    const fail = (error: unknown): void => {
      if (abort.signal.aborted) return;
      const status = grpcStatusOf(asError(error, rpc));
      code = status.code ?? grpc.status.UNKNOWN;
      call.emit('error', status);
    };
    void (async () => {
      let handle: StreamHandle | undefined;
      try {
        if (dispatcher === undefined) throw new KeystreamError('UNIMPLEMENTED', `${rpc.method.name} streams from the watch gateway; this process does not run one`);
        const request = decodeRequest(rpc, call.request);
        handle = await dispatcher(apiCall(rpc, call, request, abort.signal), {
          // A response the watch's fan-out group shares is serialized once for every stream.
          send: (response) => call.write(encodedOnce(response as object, `grpc:${rpc.method.name}`, () => encodeResponse(rpc, response))),
          whenWritable: () =>
            abort.signal.aborted || !call.writableNeedDrain
              ? Promise.resolve()
              : new Promise<void>((resolve) => {
                  const wake = (): void => {
                    call.off('drain', wake);
                    abort.signal.removeEventListener('abort', wake);
                    resolve();
                  };
                  call.on('drain', wake);
                  abort.signal.addEventListener('abort', wake);
                }),
        });
        const running = handle;
        const stop = (): void => {
          running.close();
        };
        streams.add(stop);
        // A cancelled call or a passed deadline closes the watch: the engine lets go of it.
        abort.signal.addEventListener('abort', stop);
        if (abort.signal.aborted) stop();
        const failure = await running.done;
        streams.delete(stop);
        abort.signal.removeEventListener('abort', stop);
        if (abort.signal.aborted) return;
        if (failure !== undefined) fail(failure);
        // Ended by the server's shutdown: the client resumes elsewhere with its last resume token.
        else if (closing) fail(shuttingDown());
        else call.end();
      } catch (error) {
        handle?.close();
        fail(error);
      } finally {
        finished(rpc, startedAt, abort.signal.aborted ? abortedCode(abort.signal) : code);
        abort.abort();
      }
    })();
  };

  const bidiStream = (rpc: Rpc): grpc.handleBidiStreamingCall<Buffer, Buffer> => (call) => {
    const startedAt = performance.now();
    const abort = signalOf(call);
    const bound = pathBoundFields(rpc.method);
    const carried: Record<string, string> = {};
    let first: Record<string, unknown> | undefined;
    let chain = Promise.resolve();
    let failed = false;
    let reported = false;
    const report = (code: number): void => {
      if (reported) return;
      reported = true;
      finished(rpc, startedAt, code);
    };
    // Read afresh after each await: the client may have gone meanwhile.
    const isClosed = (): boolean => abort.signal.aborted;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      if (abort.signal.aborted) report(abortedCode(abort.signal));
      else {
        const status = grpcStatusOf(asError(error, rpc));
        report(status.code ?? grpc.status.UNKNOWN);
        call.emit('error', status);
      }
      abort.abort();
    };
    const stop = (): void => {
      fail(shuttingDown());
    };
    streams.add(stop);
    // One message at a time, in order: each is one call of the method through the pipeline.
    call.on('data', (bytes: Buffer) => {
      chain = chain.then(async () => {
        if (failed || abort.signal.aborted) return;
        try {
          const decoded = decodeRequest(rpc, bytes);
          const request = first === undefined ? decoded : withRoutedFields(decoded, first, bound);
          first ??= decoded;
          const result = await options.dispatcher(apiCall(rpc, call, request, abort.signal, carried));
          for (const [name, value] of Object.entries(result.headers ?? {})) if (name.startsWith(CARRIED_HEADER_PREFIX)) carried[name] = value;
          if (!isClosed()) call.write(encodeResponse(rpc, result.response));
        } catch (error) {
          fail(error);
        }
      });
    });
    call.on('end', () => {
      void chain.then(() => {
        streams.delete(stop);
        if (!failed && !abort.signal.aborted) {
          report(grpc.status.OK);
          call.end();
        }
        abort.abort();
      });
    });
    call.on('error', () => {
      streams.delete(stop);
      report(abort.signal.aborted ? abortedCode(abort.signal) : grpc.status.CANCELLED);
      abort.abort();
    });
  };

  for (const rpc of rpcs) {
    const definition = {
      path: rpc.path,
      requestStream: rpc.clientStreaming,
      responseStream: rpc.serverStreaming,
      requestSerialize: (value: Buffer): Buffer => value,
      requestDeserialize: (bytes: Buffer): Buffer => bytes,
      responseSerialize: (value: Buffer): Buffer => value,
      responseDeserialize: (bytes: Buffer): Buffer => bytes,
    };
    let implementation: grpc.UntypedHandleCall;
    if (rpc.clientStreaming && rpc.serverStreaming) implementation = bidiStream(rpc);
    else if (rpc.serverStreaming) implementation = serverStream(rpc);
    else if (!rpc.clientStreaming) implementation = unary(rpc);
    else throw new Error(`${rpc.path}: client-streaming RPCs are not part of ntt.iam.v1`);
    server.register(rpc.path, implementation, definition.responseSerialize, definition.requestDeserialize, rpc.serverStreaming ? (rpc.clientStreaming ? 'bidi' : 'serverStream') : 'unary');
  }

  // Reflection describes the same generated files the edge encodes with, and the health service.
  const packageDefinition = protoLoader.loadSync([...SERVICE_FILES, healthProtoPath], { includeDirs: [PROTO_ROOT], keepCase: true });
  new ReflectionService(packageDefinition).addToServer(server);
  const serviceNames = [...new Set(rpcs.map((rpc) => rpc.path.split('/')[1] ?? ''))];
  const serving: Record<string, 'SERVING'> = { '': 'SERVING' };
  for (const name of serviceNames) serving[name] = 'SERVING';
  const health = new HealthImplementation(serving);
  health.addToServer(server);

  // The edge's connections come from its caller (a listener of its own, or a parent process).
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());

  return {
    adopt: (socket) => {
      if (closing) socket.destroy();
      else serveUnread(socket, (accepted) => { injector.injectConnection(accepted); });
    },
    openStreams: () => streams.size,
    close: async (graceMs = 5000) => {
      closing = true;
      health.setStatus('', 'NOT_SERVING');
      for (const name of serviceNames) health.setStatus(name, 'NOT_SERVING');
      for (const stop of [...streams]) stop();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
