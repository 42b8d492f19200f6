/**
 * A real watch gateway for tests: embedded read store, shared tail, engine, and the REST edge's
 * uWS server with the WebSocket route and the NDJSON stream dispatcher mounted, on a free port.
 */
import type { ChangeLogRetention, JsonObject } from '@keystream/readstore';
import { applyFieldMask, compileFilter, filterQuery, parseFilter, resolveView } from '@keystream/resource';
import { resourceByKind, KeystreamError, type ResourceKind } from '@keystream/api';
import { startHttpServer, type RunningHttpServer } from '@keystream/service-api';
import { ChangeHub, WatchEngine, type WatchEngineOptions } from '@keystream/watch';
import { openWatchStoreFixture, type WatchStoreFixture } from '@keystream/watch/testing';
import { WATCH_PATH, WatchGateway, type WatchGatewayOptions } from '../watchGateway.js';

export interface GatewayHarness {
  readonly fixture: WatchStoreFixture;
  readonly hub: ChangeHub;
  readonly engine: WatchEngine;
  readonly gateway: WatchGateway;
  readonly server: RunningHttpServer;
  /** `ws://127.0.0.1:port/v1/watch` */
  readonly wsUrl: string;
  /** `http://127.0.0.1:port` */
  readonly httpUrl: string;
  /** What a List with this filter/mask returns now, by name (projected). */
  list(kind: ResourceKind, filter?: string, fieldMask?: readonly string[]): Promise<Map<string, JsonObject>>;
  close(): Promise<void>;
}

/** Starts a gateway on a fresh store. */
export async function startGatewayHarness(
  options: {
    readonly retention?: ChangeLogRetention;
    readonly engine?: Partial<Omit<WatchEngineOptions, 'store' | 'hub'>>;
    readonly gateway?: Partial<Omit<WatchGatewayOptions, 'engine' | 'logger'>>;
    readonly ringSize?: number;
    /** Serve this store (another gateway's) instead of a fresh one; closing the harness leaves it open. */
    readonly sharedFixture?: WatchStoreFixture;
  } = {},
): Promise<GatewayHarness> {
  const fixture = options.sharedFixture ?? openWatchStoreFixture(options.retention);
  const hub = new ChangeHub(fixture.store, options.ringSize === undefined ? {} : { ringSize: options.ringSize });
  await hub.start();
  const engine = new WatchEngine({ store: fixture.store, hub, pageTokenKey: 'test-page-token-key-0123456789abcdef', ...options.engine });
  const gateway = new WatchGateway({ engine, logger: { error: () => undefined, warn: () => undefined }, ...options.gateway });
  const server = await startHttpServer('127.0.0.1', 0, {
    dispatcher: () => Promise.reject(new KeystreamError('UNIMPLEMENTED', 'only watches here')),
    logger: { error: () => undefined },
    configureApp: gateway.configureApp,
    maxWebSocketMessageBytes: gateway.messageCeilingBytes,
    streamDispatcher: gateway.streamDispatcher,
  });
  return {
    fixture,
    hub,
    engine,
    gateway,
    server,
    wsUrl: `ws://127.0.0.1:${server.port}${WATCH_PATH}`,
    httpUrl: `http://127.0.0.1:${server.port}`,
    async list(kind, filter, fieldMask) {
      const descriptor = resourceByKind(kind);
      const query = filter === undefined ? {} : compileFilter(parseFilter(descriptor, filter));
      const mask = resolveView(descriptor, undefined, fieldMask);
      const result = await fixture.store.query(kind, {});
      const matcher = filterQuery(query);
      return new Map(result.documents.filter((stored) => matcher.test(stored.document)).map((stored) => [stored.name, applyFieldMask(stored.document, mask) as JsonObject]));
    },
    async close() {
      gateway.close();
      await server.close(1000);
      await engine.close();
      await hub.close();
      if (options.sharedFixture === undefined) await fixture.close();
    },
  };
}
