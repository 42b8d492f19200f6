/**
 * The HTTP edge: every route of the contract, one JSON error model (restHandler.ts), on one port.
 *
 * Two ways to run it. `node` (the default): node:http takes the port, so heads up to the
 * documented limits are read whatever reads they arrive in and everything over them is answered
 * (400, 405, 413, 414, 431), and the uWS app (the watch gateway's WebSocket, the console) runs
 * behind it on loopback, reached through the upgrade bridge. `uws`: uWebSockets.js takes the port
 * directly — watch frames skip the loopback hop, but its parser closes some oversized or odd
 * requests without an answer (docs/security.md, "HTTP parser limits with KEYSTREAM_HTTP_EDGE=uws");
 * for deployments behind a proxy that already enforces header limits.
 */
import { createServer, type Socket } from 'node:net';
import { listenExclusive, serveUnread } from '@keystream/kernel';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { peerOf } from './edgePeer.js';
import { loadNativeUws } from './nativeUws.js';
import { createNodeEdge } from './nodeEdge.js';
import { createRestHandler, type RestHandlerOptions } from './restHandler.js';
import { uwsExchange } from './uwsExchange.js';

export { MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URL_BYTES } from './restHandler.js';
export type { PlainAnswer } from './restHandler.js';

/** Which server takes the public port (see the module comment). */
export type HttpEdgeKind = 'node' | 'uws';

export interface HttpServerOptions extends RestHandlerOptions {
  /** Mounts more handlers on the uWS app (the watch gateway's WebSocket route, the console) before the contract's routes. */
  readonly configureApp?: (app: TemplatedApp) => void;
  /** Which server takes the public port (default `node`). */
  readonly edge?: HttpEdgeKind;
  /** With the `node` edge: a WebSocket message declared larger is closed with 1009 at the edge (default 4 MiB, uWS's ceiling). */
  readonly maxWebSocketMessageBytes?: number;
  /**
   * With the `node` edge: offered every accepted connection before it is read; true when it took
   * the connection (handed it to another process serving the same API), false to serve it here.
   */
  readonly shareConnection?: (socket: Socket) => boolean;
}

/** A listening server. */
export interface RunningHttpServer {
  readonly port: number;
  readonly host: string;
  /**
   * Serves a connection accepted elsewhere (another process's listener handed it over, unread):
   * only the `node` edge can; the `uws` edge closes it.
   */
  adopt(socket: Socket): void;
  /** Stops accepting connections, waits (bounded) for in-flight requests, then closes. */
  close(drainMilliseconds?: number): Promise<void>;
}

const DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES = 4 * 1024 * 1024;
/** How long closing waits for close frames in flight across the WebSocket bridge. */
const CLOSE_FRAME_GRACE_MS = 1_000;

/** uWS's `ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT` (the package declares it as a non-const enum only). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** The native listen(host, port, options, cb), which the package's declarations leave out. */
interface ListenWithOptions {
  listen(host: string, port: number, options: number, callback: (socket: us_listen_socket | false) => void): unknown;
}

function addressInUse(host: string, port: number, why: string): Error {
  return Object.assign(new Error(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${why}`), { code: 'EADDRINUSE' });
}

/**
 * Refuses a busy address before uWS binds it. uWS's exclusive bind does not notice an earlier
 * socket that itself allowed sharing (SO_REUSEPORT, as uWS sets by default); a plain bind does.
 * Any overlap counts: 0.0.0.0 or :: held elsewhere makes 127.0.0.1 busy, and the other way round.
 */
function assertAddressFree(host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(addressInUse(host, port, 'the address is in use by another process'));
      // Anything else (not permitted, no such address) is for uWS's own bind to report.
      else resolve();
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => {
        resolve();
      });
    });
  });
}


/** The uWS app, with the contract's routes behind whatever `configureApp` mounts. */
function uwsApp(options: HttpServerOptions, handle: (exchange: ReturnType<typeof uwsExchange>) => void): TemplatedApp & { close(): void } {
  const uws = loadNativeUws();
  // The native app has close() (closes the listen socket and every open connection); the package's
  // type declarations predate it.
  const app = uws.App() as TemplatedApp & { close(): void };
  options.configureApp?.(app);
  app.any('/*', (response, request) => {
    handle(uwsExchange(response, request, peerOf));
  });
  return app;
}

async function listenUws(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  if (port !== 0) await assertAddressFree(host, port);
  return new Promise<us_listen_socket>((resolve, reject) => {
    // Exclusive: by default uWS sets SO_REUSEPORT, and a second instance on a busy port would
    // silently share it (the kernel splitting connections between the two).
    (app as unknown as ListenWithOptions).listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket) resolve(socket);
      else reject(addressInUse(host, port, 'the address is in use by another process, or not permitted'));
    });
  });
}

/** Starts the HTTP edge on host:port (port 0 picks a free one). */
export async function startHttpServer(host: string, port: number, options: HttpServerOptions): Promise<RunningHttpServer> {
  const handler = createRestHandler(options);
  const uws = loadNativeUws();
  if ((options.edge ?? 'node') === 'uws') {
    const app = uwsApp(options, (exchange) => { handler.handle(exchange); });
    const listenSocket = await listenUws(app, host, port);
    return {
      host,
      port: uws.us_socket_local_port(listenSocket),
      adopt(socket) {
        socket.destroy();
      },
      async close(drainMilliseconds = 10_000): Promise<void> {
        uws.us_listen_socket_close(listenSocket);
        await handler.drain(drainMilliseconds);
        app.close();
      },
    };
  }

  // The uWS app runs only when something is mounted on it, on a loopback port of its own.
  const app = options.configureApp === undefined ? undefined : uwsApp(options, (exchange) => { handler.handle(exchange); });
  const upstreamSocket = app === undefined ? undefined : await listenUws(app, '127.0.0.1', 0);
  const edge = createNodeEdge({
    handler,
    upstreamPort: upstreamSocket === undefined ? undefined : uws.us_socket_local_port(upstreamSocket),
    ownPaths: new Set(Object.keys(options.extraGetRoutes ?? {})),
    maxWebSocketMessageBytes: options.maxWebSocketMessageBytes ?? DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES,
  });
  const adopt = (socket: Socket): void => {
    serveUnread(socket, (accepted) => edge.server.emit('connection', accepted));
  };
  // Shared connections are accepted paused by a plain listener that offers each one first.
  const share = options.shareConnection;
  const listener =
    share === undefined
      ? edge.server
      : createServer({ pauseOnConnect: true }, (socket) => {
          if (!share(socket)) adopt(socket);
        });
  let boundPort: number;
  try {
    if (port !== 0) await assertAddressFree(host, port);
    boundPort = await listenExclusive(listener, host, port);
  } catch (error) {
    app?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw addressInUse(host, port, 'the address is in use by another process');
    throw error;
  }
  return {
    host,
    port: boundPort,
    adopt,
    async close(drainMilliseconds = 10_000): Promise<void> {
      const closed = Promise.all([...new Set([listener, edge.server])].map((server) => new Promise<void>((resolve) => server.close(() => { resolve(); }))));
      if (upstreamSocket !== undefined) uws.us_listen_socket_close(upstreamSocket);
      await handler.drain(drainMilliseconds);
      // Close frames the gateway already sent still have to cross the WebSocket bridge.
      await edge.closeConnections(Math.min(drainMilliseconds, CLOSE_FRAME_GRACE_MS));
      app?.close();
      await closed;
    },
  };
}
