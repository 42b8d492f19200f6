/**
 * The sink of one watch on a WebSocket: its responses framed as `{"id":…,"response":…}` and
 * queued on the socket. A class rather than closures over the opening call: an idle watch keeps
 * one small object, not three closures and the opening call's whole context (a few hundred bytes
 * each, times every watch a gateway holds).
 */
import { encodedOnce, encodeMessage, type KeystreamError, type MessageName } from '@keystream/api';
import type { JsonObject } from '@keystream/readstore';
import type { WatchHandle, WatchSink } from '@keystream/watch';
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';

/** What a watch's sink needs of its socket's connection state. */
export interface FrameConnection {
  readonly watches: Map<string, WatchHandle>;
  writableWaiters: (() => void)[];
  closed: boolean;
}

/** What a watch's sink needs of the gateway: one object per gateway, shared by all its watches. */
export interface FrameOutlet<Socket> {
  /** Queues a frame; false when the socket went above its soft limit with it. */
  sendText(ws: Socket, text: string, bytes: number): boolean;
  sendFrame(ws: Socket, frame: Record<string, unknown>): boolean;
  /** Whether the socket is at or under its soft limit. */
  isWritable(ws: Socket): boolean;
}

export class WatchFrameSink<Connection extends FrameConnection> implements WatchSink {
  /** The frame up to the response: a response many watches send (their group's shared series) is encoded once and spliced in. */
  private readonly prefix: string;
  private readonly prefixBytes: number;
  /** The watch this sink serves, once the engine started it. */
  handle: WatchHandle | undefined;

  constructor(
    private readonly outlet: FrameOutlet<WebSocket<Connection>>,
    private readonly ws: WebSocket<Connection>,
    private readonly connection: Connection,
    private readonly id: string,
    private readonly responseType: MessageName,
    /** Gives back the watch's place among its principal's (once, when it ends). */
    private readonly release: () => void,
  ) {
    this.prefix = `{"id":${JSON.stringify(id)},"response":`;
    this.prefixBytes = Buffer.byteLength(this.prefix) + 1;
  }

  send(response: JsonObject): boolean {
    if (this.connection.closed) return true;
    const responseType = this.responseType;
    const encoded = encodedOnce(response, responseType, () => {
      const json = JSON.stringify(encodeMessage(responseType, response as never));
      return { json, bytes: Buffer.byteLength(json) };
    });
    return this.outlet.sendText(this.ws, `${this.prefix}${encoded.json}}`, this.prefixBytes + encoded.bytes);
  }

  whenWritable(): Promise<void> {
    const connection = this.connection;
    if (connection.closed || this.outlet.isWritable(this.ws)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      connection.writableWaiters.push(resolve);
    });
  }

  fail(error: KeystreamError): void {
    this.forget();
    this.outlet.sendFrame(this.ws, { id: this.id, error: error.toBody().error });
  }

  ended(): void {
    this.forget();
    this.release();
  }

  /** The socket stops listing the watch under its id (unless the id is another watch's by now). */
  private forget(): void {
    if (this.handle !== undefined && this.connection.watches.get(this.id) === this.handle) this.connection.watches.delete(this.id);
  }
}
