/**
 * Starts and stops the roles of one keystream process. The object graph is composed by
 * composeKeystream (container.ts); this module orders start-up and shutdown: stores, then the projector,
 * and the event stream relay, then the HTTP edge; on shutdown the edge drains first, then the
 * relay and the projector store their checkpoints, then the stream and the stores close.
 */
import type { Socket } from 'node:net';
import type { AppendServer } from '@keystream/eventstore';
import { serveReplicaAppends } from './appendForwarding.js';
import { newAppendSecret } from './appendSecret.js';
import { mountConsole } from './consoleAssets.js';
import { startHttpServer, type ProjectionProgress, type RunningHttpServer } from '@keystream/service-api';
import { startGrpcServer, startHandedGrpcServer, type GrpcEdge, type GrpcServerOptions } from '@keystream/service-grpc';
import type { Projector } from '@keystream/service-projector';
import type { EventStreamRelay } from '@keystream/service-relay';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { seedBuiltins } from './auth/seedBuiltins.js';
import type { KeystreamConfig } from './config.js';
import { composeKeystream, type WatchRole } from './container.js';
import { askPartWriter, lockDataDirectories, type DataDirectoryLock, type PartStatus } from './dataDirectoryLock.js';
import { healthRoutes, readModelReadiness } from './healthRoutes.js';
import { writerLocks, writesEventLog, writesReadModel } from './stores.js';
import type { ProcessManagerRunner } from './processManagers/processManagerRunner.js';
import { emailVerificationRoute } from './identity/emailVerificationRoute.js';
import type { KeystreamMetrics } from './metrics.js';
import type { MetricsJson } from './processMetrics.js';

/** A running keystream process. */
export interface RunningKeystream {
  /** The base URL of the HTTP edge. */
  readonly url: string;
  /** `host:port` of the gRPC edge, or undefined when it is turned off. */
  readonly grpcAddress: string | undefined;
  /** The watches open now over every transport (0 when this process runs no watch gateway). */
  readonly openWatches: () => number;
  /** Serves an HTTP connection another process accepted and handed over unread. */
  readonly adopt: (socket: Socket) => void;
  /** This process's own metrics (a parent's /metrics gathers them with its own). */
  readonly metricsSnapshot: () => Promise<MetricsJson>;
  /** Serves a gRPC connection handed over unread; undefined when this process runs no gRPC edge. */
  readonly adoptGrpc: ((socket: Socket) => void) | undefined;
  /** Resolves when the projector fails for good (the process should exit). */
  readonly failed: Promise<Error>;
  /**
   * Graceful shutdown: drain in-flight requests, store the checkpoint, close the stores.
   * `waitForProjection`: the projector runs in another process that is stopped after this one
   * (a child): first wait (bounded) until it applied everything this process appended.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** How a process closes beside its children. */
export interface CloseOptions {
  /** The projector runs in a child stopped after this process: wait (bounded) until it applied what was appended here. */
  readonly waitForProjection?: boolean;
  /**
   * Stops the child processes; run once this process serves no more requests but still answers
   * the replicas' appends, so requests they are finishing still get written.
   */
  readonly stopChildren?: () => Promise<void>;
}

/** What the process that started this one arranges around it. */
export interface KeystreamStartOptions {
  /**
   * Offered each accepted HTTP connection before it is read: true when it handed it to a replica
   * process (connectionSharing in roleProcess.ts). Without it every connection is served here.
   */
  readonly shareConnection?: (socket: Socket) => boolean;
  /** The same for the gRPC edge's connections. */
  readonly shareGrpcConnection?: (socket: Socket) => boolean;
  /**
   * Run a gRPC edge without a port, serving the connections a parent process hands over (a
   * replica child of a `keystream start` whose gRPC edge is on).
   */
  readonly servesHandedGrpc?: boolean;
  /**
   * What /metrics answers, given this process's own metrics: every process's series, when this
   * process runs beside others that take its connections (processMetrics.ts). Its own alone when absent.
   */
  readonly metricsExposition?: (own: () => Promise<MetricsJson>) => Promise<string>;
  /** What replicas must send to append through this process (its children were given it); a new one when absent. */
  readonly appendSecret?: string;
}

/** Starts the configured roles. */
export async function startKeystream(config: KeystreamConfig, logger: Logger, options: KeystreamStartOptions = {}): Promise<RunningKeystream> {
  // Before anything opens the embedded stores: a second writer there would corrupt them.
  const locks: DataDirectoryLock[] = await lockDataDirectories(writerLocks(config));
  const releaseLocks = (): Promise<void> => Promise.all(locks.map((lock) => lock.release())).then(() => undefined);
  const graph = composeKeystream(config, logger);
  const runsProjector = config.roles.has('projector');
  // The api writes (seeds the built-ins, runs the process managers); a replica only serves.
  const runsApi = config.roles.has('api');
  const servesApi = runsApi || config.roles.has('replica');
  const runsGateway = config.roles.has('gateway');
  // `all` relays only when a destination is configured; `relay` without one is refused by loadConfig.
  const runsRelay = config.eventStream !== undefined && config.roles.has('relay');
  let server: RunningHttpServer | undefined;
  let grpcServer: GrpcEdge | undefined;
  let grpcPort: number | undefined;
  let projector: Projector | undefined;
  let watches: WatchRole | undefined;
  let relay: EventStreamRelay | undefined;
  let processManagers: ProcessManagerRunner | undefined;
  let appendServer: AppendServer | undefined;
  try {
    const metrics = await graph.metrics();
    // Every process's series reach any scrape, labelled with their process (processMetrics.ts); this names its roles.
    new Gauge({ name: 'keystream_process_roles', help: 'The roles a process runs (always 1; one series per process of the server)', labelNames: ['roles'], registers: [metrics.registry] }).set({ roles: config.role }, 1);
    let failed: Promise<Error> = new Promise<Error>(() => undefined);
    if (runsProjector) {
      projector = await graph.projector();
      await projector.start();
      const running = projector;
      failed = running.done().then(
        () => new Error('the projector stopped'),
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
    }
    if (runsRelay && graph.relay !== undefined) {
      relay = await graph.relay();
      await relay.start();
      relayGauges(metrics, relay);
      const running = relay;
      const relayFailed = running.done().then(
        () => new Promise<Error>(() => undefined),
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      // Either failing ends the process; a relay that stops because close() asked is no failure.
      failed = Promise.race([failed, relayFailed]);
    }
    // Ready once the read model holds the log as it stood now: a rebuild must not take traffic
    // while Lists still miss most documents. The relay alone serves no reads.
    const readiness =
      !servesApi && !runsGateway && !runsProjector
        ? undefined
        : readModelReadiness(
            await (await graph.eventStore()).headPosition(),
            await graph.projectionProgress(),
          );
    const storage = storageHealth(metrics, config, locks, await graph.eventStore(), await graph.readStore());
    const exposition = options.metricsExposition;
    const routes = healthRoutes({
      metrics,
      role: config.role,
      ...(exposition === undefined ? {} : { exposition: () => exposition(() => metrics.snapshot()) }),
      storageProblems: storage,
      ...(projector === undefined ? {} : { projector }),
      ...(readiness === undefined ? {} : { readiness }),
    });
    // Replicas on the embedded log append through this process (appendForwarding.ts).
    if (writesEventLog(config) && config.eventStore.kind === 'lmdb' && process.platform === 'linux') {
      // Replicas ask this process, which runs the process managers, for their writes (ListMy…).
      const settle = runsApi ? async (position: string, timeoutMs: number) => (await graph.processManagers()).settle(position, timeoutMs) : undefined;
      appendServer = await serveReplicaAppends(await graph.eventStore(), config.eventStore.directory, options.appendSecret ?? newAppendSecret(), logger, settle);
    }
    if (runsApi) {
      const seeded = await seedBuiltins(
        await graph.commands(),
        await graph.repository(),
        config.auth.bootstrapAdmins,
      );
      // Serve once the read model has the built-ins, so the first List sees them. A projector in
      // another process may still be starting, so this waits longer than a request would; a
      // read model that cannot catch up (its disk full) does not stop the start: /readyz says so.
      if (seeded.position !== '') {
        const wait = runsProjector ? config.minPositionWaitMilliseconds : Math.max(config.minPositionWaitMilliseconds, STARTUP_PROJECTION_WAIT_MS);
        await (await graph.projectionProgress()).waitForPosition(seeded.position, wait).catch((error: unknown) => {
          logger.warn({ err: error, position: seeded.position }, 'serving before the read model holds the built-in roles; /readyz answers 503 until it catches up');
        });
      }
      // MemberAssignments, nested groups, invitation expiry and grants run beside the API.
      processManagers = await graph.processManagers();
      await processManagers.start();
    }
    // The watch gateway shares the edge's app and port: WebSocket on /v1/watch, NDJSON on the …:watch routes.
    if (runsGateway) watches = await graph.watchRole();
    server = await startHttpServer(config.http.host, config.http.port, {
      dispatcher: servesApi ? (await graph.pipeline()).dispatch : routes.notServedHere,
      logger,
      maxBodyBytes: config.http.maxBodyBytes,
      edge: config.http.edge,
      onRequestFinished: (outcome) => {
        metrics.recordRequest(outcome);
      },
      extraGetRoutes: { ...routes.routes, ...(servesApi ? emailVerificationRoute(await graph.identity()) : {}) },
      ...(options.shareConnection === undefined ? {} : { shareConnection: options.shareConnection }),
      // The console (/console) is served wherever the edge is; its watches need the gateway.
      configureApp: (app) => {
        mountConsole(app);
        watches?.gateway.configureApp(app);
      },
      ...(watches === undefined ? {} : { streamDispatcher: watches.gateway.streamDispatcher, maxWebSocketMessageBytes: watches.gateway.messageCeilingBytes }),
    });
    const hostText = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `http://${hostText}:${server.port}`;
    // The gRPC edge serves the same dispatchers on its own port (docs/grpc.md), or, in a replica
    // child, on the connections its parent's edge hands over.
    const grpcOptions: GrpcServerOptions = {
      dispatcher: servesApi ? (await graph.pipeline()).dispatch : routes.notServedHere,
      logger,
      onCallFinished: (outcome) => {
        metrics.recordGrpcCall(outcome);
      },
      ...(watches === undefined ? {} : { streamDispatcher: watches.gateway.streamDispatcher }),
    };
    if (config.grpc !== undefined) {
      const listening = await startGrpcServer(config.http.host, config.grpc.port, {
        ...grpcOptions,
        ...(options.shareGrpcConnection === undefined ? {} : { shareConnection: options.shareGrpcConnection }),
      });
      grpcServer = listening;
      grpcPort = listening.port;
    } else if (options.servesHandedGrpc === true && servesApi) {
      grpcServer = startHandedGrpcServer(grpcOptions);
    }
    const started = server;
    const startedGrpc = grpcServer;
    const gateway = watches;
    const managers = processManagers;
    const appends = appendServer;
    return {
      url,
      grpcAddress: grpcPort === undefined ? undefined : `${hostText}:${grpcPort}`,
      openWatches: () => gateway?.openWatches() ?? 0,
      metricsSnapshot: () => metrics.snapshot(),
      adopt: (socket) => {
        started.adopt(socket);
      },
      adoptGrpc: startedGrpc === undefined ? undefined : (socket) => {
        startedGrpc.adopt(socket);
      },
      failed,
      async close(options = {}) {
        await startedGrpc?.close();
        // WebSocket clients first get 1001 (going away) while the edge still runs; closing the
        // edge first would cut their sockets without a close frame (1006).
        gateway?.gateway.close();
        await started.close();
        await gateway?.close();
        await managers?.stop();
        // Nothing is appended here any more: let a projector in another process apply what was accepted.
        if (options.waitForProjection === true) await drainProjection(await graph.projectionProgress(), await (await graph.eventStore()).headPosition(), logger);
        // Replicas finish their requests through the append server, which closes after them.
        await options.stopChildren?.();
        await appends?.close();
        if (relay !== undefined) await drainRelay(relay, await (await graph.eventStore()).headPosition(), logger);
        await relay?.stop();
        await projector?.stop();
        await graph.close();
        await releaseLocks();
      },
    };
  } catch (error) {
    await grpcServer?.close(0);
    await server?.close(0);
    await watches?.close().catch(() => undefined);
    await processManagers?.stop().catch(() => undefined);
    await appendServer?.close().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await projector?.stop().catch(() => undefined);
    await graph.close().catch(() => undefined);
    await releaseLocks();
    throw error;
  }
}

/** How long an api without a local projector waits at start for the read model to hold the built-ins. */
const STARTUP_PROJECTION_WAIT_MS = 30_000;

/** How long a graceful stop waits for a projector in another process to apply what was written before it. */
export const PROJECTION_SHUTDOWN_DRAIN_MILLISECONDS = 5_000;

/**
 * Waits until the read model holds the log's head, so a projector child stopped next leaves
 * nothing this process accepted unapplied (a restart onto a full disk could not apply it). A
 * projector that does not get there in time is no reason to hang the stop: it applies the rest
 * after the next start.
 */
async function drainProjection(progress: ProjectionProgress, head: string, logger: Logger): Promise<void> {
  try {
    await progress.waitForPosition(head, PROJECTION_SHUTDOWN_DRAIN_MILLISECONDS);
  } catch (error) {
    logger.warn({ err: error, head }, 'stopping before the projector applied everything; it applies the rest after the next start');
  }
}

/** How long a graceful stop waits for the relay to publish what was written before it. */
export const RELAY_SHUTDOWN_DRAIN_MILLISECONDS = 5_000;

/**
 * Lets the relay publish every event written before the stop (the edge is closed by then, so the
 * head no longer moves): an analytics consumer sees the last writes now, not at the next start.
 * A broker that does not answer in time is no reason to hang the stop; the events are published
 * after the next start (at least once, from the checkpoint).
 */
async function drainRelay(relay: EventStreamRelay, head: string, logger: Logger): Promise<void> {
  try {
    await relay.waitForPosition(head, RELAY_SHUTDOWN_DRAIN_MILLISECONDS);
  } catch (error) {
    logger.warn({ err: error, head }, 'stopping before the relay published everything; the rest is published after the next start');
  }
}

/**
 * Which stores currently refuse writes for lack of space, for /readyz and for the
 * `keystream_storage_full{store}` gauge (1 while the store's last write found its disk full).
 * Only a store's writer sees its disk fill: a process that follows an embedded store another
 * process writes (the api beside a projector process) asks that writer through the part's lock,
 * and this process's locks answer the same question for the parts it writes.
 */
function storageHealth(metrics: KeystreamMetrics, config: KeystreamConfig, locks: readonly DataDirectoryLock[], eventStore: EventStore, readStore: ReadStore): () => Promise<string[]> {
  const statusOf = (port: EventStore | ReadStore) => (): PartStatus => {
    const problem = port.storageProblem?.();
    return problem === undefined ? {} : { storageProblem: problem };
  };
  for (const lock of locks) {
    if (lock.part === 'event-log') lock.reportStatus(statusOf(eventStore));
    if (lock.part === 'read-model') lock.reportStatus(statusOf(readStore));
  }
  const problemOf = (port: EventStore | ReadStore, followed: boolean, part: string) => async (): Promise<string | undefined> =>
    followed ? (await askPartWriter(config.dataDirectory, part))?.storageProblem : port.storageProblem?.();
  const stores = {
    events: problemOf(eventStore, config.eventStore.kind === 'lmdb' && !writesEventLog(config), 'event-log'),
    read: problemOf(readStore, config.readStore.kind === 'lmdb' && !writesReadModel(config), 'read-model'),
  } as const;
  new Gauge({
    name: 'keystream_storage_full',
    help: 'Whether the store refuses writes because its storage is full (1) or not (0); writes resume by themselves once space is freed',
    labelNames: ['store'],
    registers: [metrics.registry],
    async collect() {
      for (const [store, problem] of Object.entries(stores)) this.set({ store }, (await problem()) === undefined ? 0 : 1);
    },
  });
  return async () => {
    const problems: string[] = [];
    for (const [store, problemNow] of Object.entries(stores)) {
      const problem = await problemNow();
      if (problem !== undefined) problems.push(`the ${store === 'events' ? 'event' : 'read'} store's storage is full, so ${store === 'events' ? 'writes are refused (507)' : 'the read model lags'}: ${problem}`);
    }
    return problems;
  };
}

/** Exports the relay's progress on /metrics, read at scrape time. */
function relayGauges(metrics: KeystreamMetrics, relay: EventStreamRelay): void {
  const gauge = (name: string, help: string, read: (source: Awaited<ReturnType<EventStreamRelay['metrics']>>) => number | undefined): void => {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        const value = read(await relay.metrics());
        if (value !== undefined) this.set(value);
      },
    });
  };
  gauge('keystream_relay_events_published', 'Events the relay has published (acknowledged by the event stream) since it started', (source) => source.eventsHandledTotal);
  gauge('keystream_relay_publish_retries', 'Publishes the relay retried since it started', (source) => source.handleRetriesTotal);
  gauge('keystream_relay_lag', 'How far the relay is behind the event log (events on the embedded store)', (source) => source.lag);
  gauge('keystream_relay_last_event_age_milliseconds', 'Age of the newest published event when the stream acknowledged it', (source) => source.lastEventAgeMs);
}
