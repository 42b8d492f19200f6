/**
 * The writer's side of append forwarding (appendProtocol.ts): listens on a local socket and runs
 * each request's append on the store this process writes (or settles the position it names),
 * answering every line with its result or error. Requests of one connection run concurrently,
 * like appends of concurrent requests here, so they share commits. A connection that does not
 * prove it knows the secret (appendProtocol.ts), or sends a line that is not a request, is
 * closed: only a process that can read the data directory may append.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { EventStore } from '../eventStore.js';
import type { Position } from '../position.js';
import { appendsOf, errorToWire, ForwardedRequestSchema, HelloSchema, lineReader, nonce, ProofSchema, proofOf, sameProof, type AppendAnswer, type AppendRequest, type SettleRequest } from './appendProtocol.js';

/** A listening append server. */
export interface AppendServer {
  /** Stops listening and ends every connection; appends already running still finish (and are answered if the peer is there). */
  close(): Promise<void>;
}

export interface AppendServerOptions {
  /** Where to listen: a Unix socket path, or on Linux an abstract name starting with "\0". */
  readonly address: string;
  /** The secret both ends prove they know before any append (appendProtocol.ts). */
  readonly secret: string;
  /**
   * Settles a position for a replica: resolves, once what this process reacts with to the log up
   * to `position` is appended, with the position a reader must reach to see it (rejects
   * UNAVAILABLE after `timeoutMs`). Without it a position is settled as it is: nothing here reacts.
   */
  readonly settle?: (position: Position, timeoutMs: number) => Promise<Position>;
}

/** Serves appends to `store` on `options.address`. */
export async function serveAppends(store: EventStore, options: AppendServerOptions): Promise<AppendServer> {
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => undefined);
    serveConnection(socket, store, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The server must not keep the process alive by itself.
  server.unref();
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
      for (const socket of connections) socket.end();
      await closed;
    },
  };
}

function serveConnection(socket: Socket, store: EventStore, options: AppendServerOptions): void {
  const secret = options.secret;
  // The handshake: the client's nonce, then its proof of the secret; requests after that.
  let clientNonce: string | undefined;
  let writerNonce: string | undefined;
  let admitted = false;
  const answer = (reply: AppendAnswer): void => {
    if (!socket.writable) return;
    socket.write(`${JSON.stringify(reply)}\n`);
  };
  const run = async (request: AppendRequest | SettleRequest): Promise<void> => {
    try {
      if ('settle' in request) answer({ id: request.id, settled: options.settle === undefined ? request.settle : await options.settle(request.settle, request.timeoutMs) });
      else answer({ id: request.id, results: await store.appendToStreams(appendsOf(request)) });
    } catch (error) {
      answer({ id: request.id, error: errorToWire(error) });
    }
  };
  const handshake = (parsed: unknown): boolean => {
    if (clientNonce === undefined || writerNonce === undefined) {
      const hello = HelloSchema.safeParse(parsed);
      if (!hello.success) return false;
      clientNonce = hello.data.hello;
      writerNonce = nonce();
      socket.write(`${JSON.stringify({ challenge: writerNonce, proof: proofOf(secret, 'writer', clientNonce, writerNonce), settles: true })}\n`);
      return true;
    }
    const proof = ProofSchema.safeParse(parsed);
    if (!proof.success || !sameProof(proof.data.proof, proofOf(secret, 'replica', clientNonce, writerNonce))) return false;
    admitted = true;
    return true;
  };
  socket.on(
    'data',
    lineReader(
      (line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          socket.destroy();
          return;
        }
        if (!admitted) {
          if (!handshake(parsed)) socket.destroy();
          return;
        }
        const request = ForwardedRequestSchema.safeParse(parsed);
        if (!request.success) {
          socket.destroy();
          return;
        }
        void run(request.data);
      },
      () => socket.destroy(),
    ),
  );
}
