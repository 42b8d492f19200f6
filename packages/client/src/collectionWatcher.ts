/**
 * A stateless collection watch that stays consistent across failures: it applies responses to a
 * {@link WatchCache}, reconnects after a cut with its last resume token (the server replays exactly
 * what came after it), starts over without a token after a hard reset or a consistency error, and
 * reports every committed change.
 */
import { EventEmitter } from 'node:events';
import { WatchCache, WatchConsistencyError, type CacheChange, type Resource } from './watchCache.js';
import { WatchSocket } from './watchSocket.js';

/** Options of {@link CollectionWatcher}. */
export interface CollectionWatcherOptions {
  /** `ws://host:port/v1/watch` */
  readonly url: string;
  /** e.g. `WatchGroups` */
  readonly method: string;
  /** e.g. `group`: the resource field of the change messages. */
  readonly singular: string;
  /** The Watch request (wire JSON) without `type`/`resumeToken` (set by the watcher). */
  readonly request?: Record<string, unknown>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Delay before reconnecting (default 20 ms, doubling up to 2 s). */
  readonly reconnectDelayMs?: number;
}

/** Counters of what the watcher went through. */
export interface WatcherStats {
  connects: number;
  resumes: number;
  hardResets: number;
  softResets: number;
  snapshotSizeChecks: number;
  consistencyErrors: number;
  committedChanges: number;
}

/** Events: `change` (CacheChange), `synced` (), `error` (server error body; the watcher stops). */
export class CollectionWatcher extends EventEmitter {
  readonly cache: WatchCache;
  readonly stats: WatcherStats = { connects: 0, resumes: 0, hardResets: 0, softResets: 0, snapshotSizeChecks: 0, consistencyErrors: 0, committedChanges: 0 };
  private socket: WatchSocket | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;

  constructor(private readonly options: CollectionWatcherOptions) {
    super();
    this.cache = new WatchCache(options.singular);
    this.delay = options.reconnectDelayMs ?? 20;
  }

  /** Resources held, by name. */
  get resources(): ReadonlyMap<string, Resource> {
    return this.cache.resources;
  }

  /** Connects and starts watching. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Cuts the connection as a network failure would; the watcher reconnects and resumes. */
  cut(): void {
    this.socket?.cut();
  }

  /** Stops for good. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.socket?.close();
  }

  private async connect(): Promise<void> {
    let socket: WatchSocket;
    try {
      socket = await WatchSocket.connect(this.options.url, this.options.headers);
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await socket.close();
      return;
    }
    this.socket = socket;
    this.stats.connects += 1;
    socket.onClose(() => {
      if (this.socket === socket) this.socket = undefined;
      this.scheduleReconnect();
    });
    const token = this.cache.isSynced ? this.cache.resumeToken : undefined;
    if (token !== undefined) this.stats.resumes += 1;
    else this.cache.apply({ isHardReset: true });
    socket.watch(this.options.method, { ...this.options.request, type: 'STATELESS', ...(token === undefined ? {} : { resumeToken: token }) }, {
      onResponse: (response) => {
        this.onResponse(socket, response);
      },
      onError: (error) => {
        this.emit('failed', error);
        void this.stop();
      },
    });
  }

  private onResponse(socket: WatchSocket, response: Record<string, unknown>): void {
    if (response['isHardReset'] === true) this.stats.hardResets += 1;
    if (response['isSoftReset'] === true) this.stats.softResets += 1;
    const size = response['snapshotSize'];
    if (size !== undefined && Number(size) >= 0) this.stats.snapshotSizeChecks += 1;
    let step;
    try {
      step = this.cache.apply(response);
    } catch (error) {
      if (!(error instanceof WatchConsistencyError)) throw error;
      // The stream contradicted the cache: start over from a fresh snapshot.
      this.stats.consistencyErrors += 1;
      this.emit('inconsistent', error);
      this.cache.apply({ isHardReset: true });
      socket.cut();
      return;
    }
    for (const change of step.changes) {
      this.stats.committedChanges += 1;
      this.emit('change', change satisfies CacheChange);
    }
    this.delay = this.options.reconnectDelayMs ?? 20;
    if (step.synced) this.emit('synced');
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, 2_000);
  }
}
