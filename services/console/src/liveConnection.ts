/**
 * One WebSocket for the whole console, kept alive: it reconnects with backoff after a cut (the
 * server restarting, the network dropping) and re-opens every registered watch on the new socket,
 * so the page resumes without a reload (`reconnecting`, then `offline` once the cut outlasts the
 * budget of {@link ReconnectPolicy}; attempts go on). A token the server refuses
 * (`UNAUTHENTICATED`) stops it for good: reconnecting with the same token cannot help, so the
 * page is told once and goes back to sign-in.
 */
import { BrowserWatchSocket, PageCache, WatchCache, type CacheChange, type Resource, type WatchListener } from '@keystream/client';
import { ReconnectPolicy } from './reconnectPolicy.js';

/** How a watch ends in error. */
export type WatchError = Parameters<WatchListener['onError']>[0];

/** What the connection is doing, shown in the header. */
export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** A watch that can be (re)started on a fresh socket. */
interface Registered {
  start(socket: BrowserWatchSocket): void;
}

/** Keeps one socket and its watches alive. */
export class LiveConnection {
  private socket: BrowserWatchSocket | undefined;
  private readonly watches = new Set<Registered>();
  private readonly policy = new ReconnectPolicy();
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  state: LinkState = 'connecting';
  /** Times the socket came back after a cut. */
  reconnects = 0;
  onState: (state: LinkState) => void = () => undefined;
  private readonly wentOffline = (): void => {
    if (!this.stopped && this.state !== 'live') this.setState('offline');
  };
  private readonly cameOnline = (): void => {
    // The browser has a network again: try now rather than at the end of the current delay.
    if (this.stopped || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.connect(true);
  };

  constructor(
    private readonly url: string,
    private readonly token: string,
    /** Called once when the server refuses the token; the connection is closed by then. */
    private readonly onRefused: (reason: string) => void,
  ) {
    window.addEventListener('offline', this.wentOffline);
    window.addEventListener('online', this.cameOnline);
    void this.connect(false);
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.onState(state);
  }

  private async connect(again: boolean): Promise<void> {
    let socket: BrowserWatchSocket;
    try {
      socket = await BrowserWatchSocket.connect(this.url, this.token);
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) {
      socket.close();
      return;
    }
    this.socket = socket;
    this.policy.connected();
    if (again) this.reconnects += 1;
    this.setState('live');
    socket.onClose(() => {
      if (this.socket === socket) this.socket = undefined;
      this.retry();
    });
    for (const watch of this.watches) watch.start(socket);
  }

  private retry(): void {
    if (this.stopped || this.timer !== undefined) return;
    const { delayMs, state } = this.policy.failed(Date.now(), navigator.onLine);
    this.setState(state);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect(true);
    }, delayMs);
  }

  /**
   * A watch ended with `error`. `UNAUTHENTICATED` means the token itself is refused (wrong,
   * expired, revoked): every watch would fail the same way on every reconnect, so the connection
   * stops and the page is told. Answers whether that happened.
   */
  failed(error: WatchError): boolean {
    if (error.status !== 'UNAUTHENTICATED') return false;
    if (!this.stopped) {
      this.close();
      this.onRefused(`${error.status}: ${error.message ?? ''}`);
    }
    return true;
  }

  /** Registers a watch: started now if the socket is open, and again on every reconnect. Returns its cancel. */
  register(watch: Registered & { stop(socket: BrowserWatchSocket): void }): () => void {
    this.watches.add(watch);
    if (this.socket !== undefined) watch.start(this.socket);
    return () => {
      this.watches.delete(watch);
      if (this.socket !== undefined) watch.stop(this.socket);
    };
  }

  close(): void {
    this.stopped = true;
    window.removeEventListener('offline', this.wentOffline);
    window.removeEventListener('online', this.cameOnline);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket?.close();
  }
}

/** What a table shows. */
export interface PageView {
  readonly rows: readonly Resource[];
  readonly error: string | undefined;
  readonly nextPageToken: string | undefined;
  readonly prevPageToken: string | undefined;
}

/**
 * A stateful watch: the server keeps one ordered, filtered page and sends Added/Modified/Removed
 * with view indices, applied in place by {@link PageCache}. On a new socket the watch starts over
 * with a fresh cache and the table is replaced when the new page is current, so a reconnect never
 * shows a row twice.
 */
export function watchPage(connection: LiveConnection, method: string, singular: string, request: Record<string, unknown>, onView: (view: PageView) => void): () => void {
  let id: string | undefined;
  const watch = {
    start(socket: BrowserWatchSocket): void {
      const page = new PageCache(singular);
      id = socket.watch(method, { ...request, type: 'STATEFUL' }, {
        onResponse(response) {
          if (page.apply(response)) onView({ rows: [...page.page], error: undefined, nextPageToken: page.nextPageToken, prevPageToken: page.prevPageToken });
        },
        onError(error) {
          if (connection.failed(error)) return;
          onView({ rows: [], error: `${error.status ?? 'ERROR'}: ${error.message ?? ''}`, nextPageToken: undefined, prevPageToken: undefined });
        },
      });
    },
    stop(socket: BrowserWatchSocket): void {
      if (id !== undefined) socket.cancel(id);
    },
  };
  return connection.register(watch);
}

/**
 * A stateless watch of a whole collection: counts and the change pane. It resumes from its last
 * resume token after a reconnect (the server replays exactly what it missed); a hard reset clears
 * the cache and the fresh snapshot re-renders it.
 */
export function watchCollection(connection: LiveConnection, method: string, singular: string, request: Record<string, unknown>, onUpdate: (cache: WatchCache, changes: readonly CacheChange[], error: string | undefined) => void): () => void {
  const cache = new WatchCache(singular);
  let id: string | undefined;
  const watch = {
    start(socket: BrowserWatchSocket): void {
      const token = cache.isSynced ? cache.resumeToken : undefined;
      if (token === undefined) cache.apply({ isHardReset: true });
      id = socket.watch(method, { ...request, type: 'STATELESS', ...(token === undefined ? {} : { resumeToken: token }) }, {
        onResponse(response) {
          const step = cache.apply(response);
          if (step.changes.length > 0 || step.synced || step.hardReset) onUpdate(cache, step.changes, undefined);
        },
        onError(error) {
          if (connection.failed(error)) return;
          onUpdate(cache, [], `${error.status ?? 'ERROR'}: ${error.message ?? ''}`);
        },
      });
    },
    stop(socket: BrowserWatchSocket): void {
      if (id !== undefined) socket.cancel(id);
    },
  };
  return connection.register(watch);
}
