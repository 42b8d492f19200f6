/**
 * The contract between a transport (the HTTP edge, the watch gateway) and the application behind
 * it: a decoded call in, a result out. Transports and the application both import this module;
 * neither imports the other.
 */
import type { KeystreamError, MethodDescriptor } from '@keystream/api';

/** One decoded call, as the command/query core receives it. */
export interface ApiCall {
  readonly method: MethodDescriptor;
  /** The request message in internal form, validated against the contract's schema. */
  readonly request: unknown;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  /** Aborted when the client goes away before the answer. */
  readonly signal: AbortSignal;
}

/** What the core answers: the response message (internal form) and extra response headers. */
export interface ApiResult {
  readonly response: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The command/query core behind the edge. */
export type ApiDispatcher = (call: ApiCall) => Promise<ApiResult>;

/** Where a stream method's responses go: one NDJSON line each over HTTP (or a WebSocket frame elsewhere). */
export interface StreamSink {
  /** Sends one response message (internal form). Returns false when the client is slow: wait for whenWritable. */
  send(response: unknown): boolean;
  /** Resolves when the client can take more. */
  whenWritable(): Promise<void>;
}

/** A running stream. */
export interface StreamHandle {
  /** Resolves when the stream ends: undefined when closed, or the error that ended it. */
  readonly done: Promise<KeystreamError | undefined>;
  /** Ends the stream (the client went away, or the server is closing). */
  close(): void;
}

/**
 * Serves stream methods (`Watch…`). Rejects (INVALID_ARGUMENT, NOT_FOUND…) before sending anything
 * for a request it cannot serve; the edge answers that as an ordinary error.
 */
export type StreamDispatcher = (call: ApiCall, sink: StreamSink) => Promise<StreamHandle>;
