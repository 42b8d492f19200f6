/**
 * The watch protocol (docs/watch.md) over the browser's own WebSocket. Browsers cannot set an
 * `Authorization` header on a WebSocket, so the bearer token travels in the subprotocol offer
 * (`keystream.watch.v1, keystream.bearer.<token>`); the server answers with `keystream.watch.v1`
 * only. Never in the URL, which ends up in logs.
 */
import type { WatchListener } from './watchSocket.js';

/** The subprotocol of the watch frames. */
export const WATCH_SUBPROTOCOL = 'keystream.watch.v1';
/** Prefix of the offer entry carrying the bearer token. */
export const BEARER_PROTOCOL_PREFIX = 'keystream.bearer.';

/** The part of the browser's WebSocket this client uses (the package is typed without the DOM library). */
interface BrowserSocket {
  readonly protocol: string;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'error', listener: () => void): void;
}

/** A WebSocket constructor: the browser's, or any with its interface. */
export type BrowserSocketConstructor = new (url: string, protocols: string[]) => BrowserSocket;

const OPEN = 1;

interface ServerFrame {
  readonly id?: string | null;
  readonly response?: Record<string, unknown>;
  readonly error?: Parameters<WatchListener['onError']>[0];
}

let nextId = 0;

/** One browser WebSocket to the gateway, many watches multiplexed on it. */
export class BrowserWatchSocket {
  private readonly listeners = new Map<string, WatchListener>();
  private readonly closeHandlers: ((code: number, reason: string) => void)[] = [];

  private constructor(private readonly socket: BrowserSocket) {
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      const listener = frame.id === undefined || frame.id === null ? undefined : this.listeners.get(frame.id);
      if (listener === undefined) return;
      if (frame.response !== undefined) listener.onResponse(frame.response);
      else if (frame.error !== undefined) {
        this.listeners.delete(frame.id as string);
        listener.onError(frame.error);
      }
    });
    socket.addEventListener('close', (event) => {
      for (const handler of this.closeHandlers) handler(event.code, event.reason);
    });
  }

  /** Connects to `url` (`ws(s)://host/v1/watch`) with `token` in the subprotocol offer. */
  static connect(url: string, token: string, Socket: BrowserSocketConstructor = (globalThis as unknown as { WebSocket: BrowserSocketConstructor }).WebSocket): Promise<BrowserWatchSocket> {
    return new Promise((resolve, reject) => {
      const socket = new Socket(url, [WATCH_SUBPROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
      const fail = (): void => {
        reject(new Error(`could not connect to ${url}`));
      };
      socket.addEventListener('error', fail, { once: true });
      socket.addEventListener('open', () => {
        socket.removeEventListener('error', fail);
        resolve(new BrowserWatchSocket(socket));
      }, { once: true });
    });
  }

  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** Opens a watch; returns its id. `request` is wire JSON. */
  watch(method: string, request: Record<string, unknown>, listener: WatchListener, id = `b${(nextId += 1)}`): string {
    this.listeners.set(id, listener);
    this.socket.send(JSON.stringify({ id, method, request }));
    return id;
  }

  /** Ends one watch; the socket stays open. */
  cancel(id: string): void {
    this.listeners.delete(id);
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify({ id, cancel: true }));
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  close(): void {
    this.socket.close();
  }
}
