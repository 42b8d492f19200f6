/**
 * Where a watch sends its responses: a transport (WebSocket frame, NDJSON line, or a test).
 */
import type { KeystreamError } from '@keystream/api';
import type { JsonObject } from '@keystream/readstore';

/** One transport's end of one watch. Responses are in internal form; the transport encodes them. */
export interface WatchSink {
  /**
   * Sends one response. Returns false when the transport's buffer is above its limit after this
   * send: the watch then waits for {@link whenWritable} before sending more.
   */
  send(response: JsonObject): boolean;
  /** Resolves when the transport can take more (at once if it can now). */
  whenWritable(): Promise<void>;
  /** The watch ended with an error; nothing follows. */
  fail(error: KeystreamError): void;
  /**
   * Told once when the watch has ended, however (closed, failed, finished): where a transport
   * frees what it keeps per watch, without a promise chain per watch. A resource watch tells it
   * before its `done` resolves and before `fail` reports the error it ended with; another stream
   * method tells it once its `done` settled.
   */
  ended?(): void;
}
