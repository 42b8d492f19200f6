/**
 * Starts and stops the roles of one keystream process. The object graph is built by the inversify
 * container (container.ts); this module orders start-up and shutdown: stores, then the projector,
 * then the HTTP edge; on shutdown the edge drains first, then the projector stores its
 * checkpoint, then the stores close.
 */
import { startHttpServer, type ResourceDispatcher, type RunningHttpServer } from '@keystream/service-api';
import type { Projector } from '@keystream/service-projector';
import type { Logger } from 'pino';
import type { KeystreamConfig } from './config.js';
import { buildContainer, TOKENS } from './container.js';
import { healthRoutes } from './healthRoutes.js';
import type { KeystreamMetrics } from './metrics.js';

/** A running keystream process. */
export interface RunningKeystream {
  /** The base URL of the HTTP edge. */
  readonly url: string;
  /** Resolves when the projector fails for good (the process should exit). */
  readonly failed: Promise<Error>;
  /** Graceful shutdown: drain in-flight requests, store the checkpoint, close the stores. */
  close(): Promise<void>;
}

/** Starts the configured roles. */
export async function startKeystream(config: KeystreamConfig, logger: Logger): Promise<RunningKeystream> {
  const container = buildContainer(config, logger);
  const runsProjector = config.role === 'all' || config.role === 'projector';
  const runsApi = config.role === 'all' || config.role === 'api';
  let server: RunningHttpServer | undefined;
  let projector: Projector | undefined;
  try {
    const metrics = await container.getAsync<KeystreamMetrics>(TOKENS.metrics);
    let failed: Promise<Error> = new Promise<Error>(() => undefined);
    if (runsProjector) {
      projector = await container.getAsync<Projector>(TOKENS.projector);
      await projector.start();
      const running = projector;
      failed = running.done().then(
        () => new Error('the projector stopped'),
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
    }
    const routes = healthRoutes({ metrics, ...(projector === undefined ? {} : { projector }) });
    server = await startHttpServer(config.http.host, config.http.port, {
      dispatcher: runsApi ? (await container.getAsync<ResourceDispatcher>(TOKENS.dispatcher)).dispatch : routes.notServedHere,
      logger,
      maxBodyBytes: config.http.maxBodyBytes,
      onRequestFinished: (outcome) => {
        metrics.recordRequest(outcome);
      },
      extraGetRoutes: routes.routes,
    });
    const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${server.port}`;
    const started = server;
    return {
      url,
      failed,
      async close() {
        await started.close();
        await projector?.stop();
        await container.unbindAllAsync();
      },
    };
  } catch (error) {
    await server?.close(0);
    await projector?.stop().catch(() => undefined);
    await container.unbindAllAsync().catch(() => undefined);
    throw error;
  }
}
