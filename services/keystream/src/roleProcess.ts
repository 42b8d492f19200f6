/**
 * A role of `keystream start` run in a child process (processPlan.ts): `keystream start --role
 * <roles>` with this process's configuration and data directory, on ports of its own picked
 * freely (nobody is told them: a replica serves the connections this process hands it). The child
 * ends when this process ends, however it ends: it reads its stdin, which only this process holds,
 * and stops when that closes (a SIGKILL of this process included). A child that exits unasked is
 * started again after a delay that grows while it keeps failing; one refused because its
 * predecessor still holds the data directory (exit 75) simply retries. Over the child's IPC
 * channel go the connections handed to a replica (HTTP and gRPC) and the scrapes that make one
 * /metrics of every process (processMetrics.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { MetricsJson } from './processMetrics.js';

/** Set in a child's environment to this process's pid: the child follows its parent's life. */
export const CHILD_OF_VARIABLE = 'KEYSTREAM_CHILD_OF';
/** Set (`1`) in a replica child's environment when this process's gRPC edge hands it connections. */
export const GRPC_HANDED_VARIABLE = 'KEYSTREAM_GRPC_HANDED';

const FIRST_RESTART_DELAY_MS = 500;
const LONGEST_RESTART_DELAY_MS = 30_000;
/** A child that ran this long before exiting is restarted after the first delay again. */
const HEALTHY_RUN_MS = 60_000;
/** How long a graceful stop waits for the child before killing it. */
const STOP_GRACE_MS = 15_000;

/** What a handed-over connection speaks: HTTP/1.1 for the HTTP edge, HTTP/2 for the gRPC edge. */
export type ConnectionProtocol = 'http' | 'grpc';

/** A running role child. */
export interface RoleProcess {
  readonly roles: string;
  /** The child's pid now (it changes when the child is restarted). */
  pid(): number | undefined;
  /**
   * Hands an accepted connection of the HTTP or the gRPC edge, unread, to the child to serve. False
   * when the child serves no such connections now (it is not a replica, it runs no gRPC edge, or it
   * is starting, restarting or stopping): the caller serves it then.
   */
  handOver(socket: Socket, protocol?: ConnectionProtocol): boolean;
  /** The child's metrics, or undefined when it does not answer within `timeoutMs` (starting, gone). */
  metrics(timeoutMs: number): Promise<MetricsJson | undefined>;
  /** How this process answers the child's scrapes: the exposition of every process (processMetrics.ts). */
  answerScrapesWith(gather: () => Promise<string>): void;
  /** Stops the child gracefully (SIGTERM; SIGKILL after a grace period) and does not restart it. */
  stop(): Promise<void>;
}

/** Starts `keystream start --role roles` as a child of this process. */
export function startRoleProcess(roles: string, logger: Logger, environment: Readonly<Record<string, string>> = {}): RoleProcess {
  let child: ChildProcess | undefined;
  /** The running child once it said it serves connections handed to it, and which. */
  let serving: { readonly child: ChildProcess; readonly protocols: ReadonlySet<ConnectionProtocol> } | undefined;
  let stopping = false;
  let delay = FIRST_RESTART_DELAY_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  const pendingMetrics = new Map<number, (metrics: MetricsJson | undefined) => void>();
  let nextMetricsRequest = 0;
  let gatherForChild: (() => Promise<string>) | undefined;
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot start a role process: this process has no script path');

  const launch = (): void => {
    const startedAt = Date.now();
    const spawned = spawn(process.execPath, [...process.execArgv, script, 'start', '--role', roles], {
      env: { ...process.env, ...environment, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_PROCESSES: '1', [CHILD_OF_VARIABLE]: String(process.pid) },
      // The IPC channel carries handed-over connections (and the child's word that it serves).
      stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
    });
    child = spawned;
    spawned.on('message', (message: unknown) => {
      const protocols = servedProtocolsOf(message);
      if (protocols !== undefined && child === spawned && !stopping) serving = { child: spawned, protocols };
      if (isMessage(message, METRICS_REPLY)) pendingMetrics.get(message.id)?.(message.metrics as MetricsJson);
      if (isMessage(message, METRICS_GATHER)) {
        const { id } = message;
        const reply = (text: string | undefined): void => {
          if (spawned.connected) spawned.send({ type: METRICS_GATHERED, id, text }, (error) => {
            if (error !== null) logger.debug({ err: error, roles }, 'could not answer a role process\'s scrape');
          });
        };
        (gatherForChild?.() ?? Promise.resolve(undefined)).then(reply, (error: unknown) => {
          logger.warn({ err: error, roles }, 'could not gather the metrics of every process for a scrape');
          reply(undefined);
        });
      }
    });
    spawned.once('disconnect', () => {
      if (serving?.child === spawned) serving = undefined;
    });
    // An error on the pipe (the child gone) is the exit's business, not a crash of this process.
    spawned.stdin?.on('error', () => undefined);
    spawned.once('error', (error) => {
      logger.error({ error, roles }, 'could not start a role process');
    });
    spawned.once('exit', (code, signal) => {
      if (child === spawned) child = undefined;
      if (serving?.child === spawned) serving = undefined;
      if (stopping) return;
      delay = Date.now() - startedAt > HEALTHY_RUN_MS ? FIRST_RESTART_DELAY_MS : delay;
      const log = code === 75 ? logger.warn.bind(logger) : logger.error.bind(logger);
      log({ roles, code, signal, restartInMs: delay }, code === 75 ? 'the role process found its data still held (its predecessor is stopping); retrying' : 'a role process ended unasked; restarting it');
      restartTimer = setTimeout(launch, delay);
      delay = Math.min(delay * 2, LONGEST_RESTART_DELAY_MS);
    });
  };
  launch();

  return {
    roles,
    pid: () => child?.pid,
    handOver(socket, protocol = 'http') {
      if (serving === undefined || !serving.protocols.has(protocol)) return false;
      const target = serving.child;
      if (!target.connected) return false;
      target.send({ type: CONNECTION_MESSAGE, protocol }, socket, (error) => {
        // The child went away as it was sent: the connection is lost (the client sees a reset and retries).
        if (error !== null) {
          logger.debug({ err: error, roles }, 'a connection could not be handed to a role process');
          socket.destroy();
        }
      });
      return true;
    },
    metrics(timeoutMs) {
      const target = child;
      if (target === undefined || !target.connected) return Promise.resolve(undefined);
      nextMetricsRequest += 1;
      const id = nextMetricsRequest;
      return new Promise((resolve) => {
        const done = (metrics: MetricsJson | undefined): void => {
          clearTimeout(timer);
          pendingMetrics.delete(id);
          resolve(metrics);
        };
        // A pending scrape does not hold a stopping process open.
        const timer = setTimeout(() => { done(undefined); }, timeoutMs).unref();
        pendingMetrics.set(id, done);
        target.send({ type: METRICS_REQUEST, id }, (error) => {
          if (error !== null) done(undefined);
        });
      });
    },
    answerScrapesWith(gather) {
      gatherForChild = gather;
    },
    async stop() {
      stopping = true;
      serving = undefined;
      clearTimeout(restartTimer);
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => { resolve(); }));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Parent → child: send your metrics (`id` names the request). */
const METRICS_REQUEST = 'keystream:metrics-request';
/** Child → parent: my metrics, for request `id`. */
const METRICS_REPLY = 'keystream:metrics-reply';
/** The id of this child's last gather. */
let gatherRequests = 0;
/** Child → parent: a scrape came to me; send every process's metrics. */
const METRICS_GATHER = 'keystream:metrics-gather';
/** Parent → child: every process's exposition, for gather `id` (no text: it could not gather). */
const METRICS_GATHERED = 'keystream:metrics-gathered';

/** A message of `type` with a numeric id (what the metrics messages carry). */
function isMessage(message: unknown, type: string): message is { type: string; id: number; metrics?: unknown; text?: unknown } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type && typeof (message as { id?: unknown }).id === 'number';
}

/**
 * In a child: answers the parent's requests for this process's metrics (`snapshot`). Nothing
 * happens outside a child with an IPC channel.
 */
export function serveMetricsToParent(snapshot: () => Promise<MetricsJson>): void {
  const send = process.send?.bind(process);
  if (send === undefined || process.env[CHILD_OF_VARIABLE] === undefined) return;
  process.on('message', (message: unknown) => {
    if (!isMessage(message, METRICS_REQUEST)) return;
    const { id } = message;
    snapshot().then(
      (metrics) => send({ type: METRICS_REPLY, id, metrics }),
      () => send({ type: METRICS_REPLY, id, metrics: undefined }),
    );
  });
}

/**
 * In a child: every process's exposition, from the parent, or undefined when there is no parent
 * to ask or it does not answer within `timeoutMs`.
 */
export function metricsFromParent(timeoutMs: number): Promise<string | undefined> {
  const send = process.send?.bind(process);
  if (send === undefined || process.env[CHILD_OF_VARIABLE] === undefined || !process.connected) return Promise.resolve(undefined);
  gatherRequests += 1;
  const id = gatherRequests;
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      if (isMessage(message, METRICS_GATHERED) && message.id === id) done(typeof message.text === 'string' ? message.text : undefined);
    };
    const done = (text: string | undefined): void => {
      clearTimeout(timer);
      process.off('message', listener);
      resolve(text);
    };
    const timer = setTimeout(() => { done(undefined); }, timeoutMs).unref();
    process.on('message', listener);
    send({ type: METRICS_GATHER, id }, undefined, {}, (error: Error | null) => {
      if (error !== null) done(undefined);
    });
  });
}

/** The message carrying a handed-over connection. */
const CONNECTION_MESSAGE = 'keystream:connection';
/** The message a child sends once it serves the connections handed to it. */
const SERVING_MESSAGE = 'keystream:serving';

/** The protocols a child's serving message names (HTTP when it names none), or undefined for another message. */
function servedProtocolsOf(message: unknown): ReadonlySet<ConnectionProtocol> | undefined {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== SERVING_MESSAGE) return undefined;
  const named = (message as { protocols?: unknown }).protocols;
  return new Set(Array.isArray(named) ? named.filter((protocol): protocol is ConnectionProtocol => protocol === 'http' || protocol === 'grpc') : ['http']);
}

/** What a handed connection's message says it speaks (HTTP when it says nothing). */
function protocolOf(message: object): ConnectionProtocol {
  return (message as { protocol?: unknown }).protocol === 'grpc' ? 'grpc' : 'http';
}

/**
 * In a child that serves connections: takes those the parent hands over (each edge's `adopt`
 * serves one), then tells the parent which it may hand. Nothing happens outside a child with an
 * IPC channel.
 */
export function serveHandedConnections(adopters: { readonly http: (socket: Socket) => void; readonly grpc?: ((socket: Socket) => void) | undefined }): void {
  const send = process.send?.bind(process);
  if (send === undefined || process.env[CHILD_OF_VARIABLE] === undefined) return;
  process.on('message', (message: unknown, handle: unknown) => {
    if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== CONNECTION_MESSAGE) return;
    if (!(handle instanceof Socket)) return;
    const adopt = adopters[protocolOf(message)];
    // Never sent one this process did not name as served; were it, dropping it beats misreading it.
    if (adopt === undefined) handle.destroy();
    else adopt(handle);
  });
  send({ type: SERVING_MESSAGE, protocols: adopters.grpc === undefined ? ['http'] : ['http', 'grpc'] });
}

/**
 * Shares accepted connections of one edge (`protocol`) between this process and the replica
 * children, in turn: the answer for the edge's shareConnection (true when a child took the
 * connection). The turn of a child that serves no such connections now (starting, restarting, or
 * without a gRPC edge) is served here.
 */
export function connectionSharing(replicas: readonly RoleProcess[], protocol: ConnectionProtocol = 'http'): ((socket: Socket) => boolean) | undefined {
  if (replicas.length === 0) return undefined;
  let turn = 0;
  return (socket) => {
    turn = (turn + 1) % (replicas.length + 1);
    if (turn === 0) return false;
    const replica = replicas[turn - 1];
    return replica !== undefined && replica.handOver(socket, protocol);
  };
}

/**
 * In a child: stops the process (through `stop`) once the parent is gone — its end of stdin
 * closes when it exits, however it exits.
 */
export function followParent(stop: () => void): void {
  if (process.env[CHILD_OF_VARIABLE] === undefined) return;
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
