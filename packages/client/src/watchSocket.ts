/**
 * One WebSocket to the watch gateway, many watches multiplexed on it (docs/watch.md):
 * `{id, method, request}` opens, `{id, cancel: true}` ends; `{id, response}` / `{id, error}` come back.
 */
import WebSocket from 'ws';

/** Receives one watch's frames. */
export interface WatchListener {
  onResponse(response: Record<string, unknown>): void;
  /** The watch ended with an error (the socket stays usable). */
  onError(error: { readonly code?: number; readonly status?: string; readonly message?: string; readonly details?: readonly unknown[] }): void;
}

let nextId = 0;

export class WatchSocket {
  private readonly listeners = new Map<string, WatchListener>();
  private readonly closeHandlers: ((code: number) => void)[] = [];
  private readonly rejectionHandlers: ((id: string, error: Parameters<WatchListener['onError']>[0]) => void)[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8')) as {
        id?: string | null;
        rejectedId?: string;
        response?: Record<string, unknown>;
        error?: WatchListener['onError'] extends (e: infer E) => void ? E : never;
        cancelled?: boolean;
      };
      // `{id: null, rejectedId}`: an open under an id already in use was refused; that watch goes on.
      if (frame.rejectedId !== undefined && frame.error !== undefined) {
        for (const handler of this.rejectionHandlers) handler(frame.rejectedId, frame.error);
        return;
      }
      const listener = frame.id === undefined || frame.id === null ? undefined : this.listeners.get(frame.id);
      if (listener === undefined) return;
      if (frame.response !== undefined) listener.onResponse(frame.response);
      else if (frame.error !== undefined) {
        this.listeners.delete(frame.id as string);
        listener.onError(frame.error);
      }
    });
    socket.on('close', (code) => {
      for (const handler of this.closeHandlers) handler(code);
    });
    // Errors surface as a close; without a listener ws would throw.
    socket.on('error', () => undefined);
  }

  /** Connects to `url` (e.g. `ws://127.0.0.1:8080/v1/watch`). */
  static connect(url: string, headers: Readonly<Record<string, string>> = {}): Promise<WatchSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { ...headers } });
      socket.once('open', () => {
        socket.off('error', reject);
        resolve(new WatchSocket(socket));
      });
      socket.once('error', reject);
    });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Opens a watch; returns its id. `request` is wire JSON. `minPosition` (a write's
   * `x-keystream-min-position`) makes the watch start from a read model that has that write.
   */
  watch(method: string, request: Record<string, unknown>, listener: WatchListener, id = `w${(nextId += 1)}`, options: { readonly minPosition?: string } = {}): string {
    if (this.listeners.has(id)) throw new Error(`watch ${id} is already open on this socket`);
    this.listeners.set(id, listener);
    this.socket.send(JSON.stringify({ id, method, request, ...(options.minPosition === undefined ? {} : { minPosition: options.minPosition }) }));
    return id;
  }

  /** Called when the gateway refuses to open a watch under an id already in use (the running watch goes on). */
  onRejected(handler: (id: string, error: Parameters<WatchListener['onError']>[0]) => void): void {
    this.rejectionHandlers.push(handler);
  }

  /** Sends a raw frame (tests of the protocol). */
  sendRaw(text: string, listenerId?: string, listener?: WatchListener): void {
    if (listenerId !== undefined && listener !== undefined) this.listeners.set(listenerId, listener);
    this.socket.send(text);
  }

  cancel(id: string): void {
    this.listeners.delete(id);
    if (this.isOpen) this.socket.send(JSON.stringify({ id, cancel: true }));
  }

  onClose(handler: (code: number) => void): void {
    this.closeHandlers.push(handler);
  }

  /** Cuts the connection abruptly (no close handshake), as a network failure would. */
  cut(): void {
    this.socket.terminate();
  }

  /** Pauses reading from the socket (a client that stops consuming). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the socket and waits until it is closed. */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => {
        resolve();
      });
      if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) this.socket.close();
      else this.socket.terminate();
    });
  }
}
