/**
 * The writer's side of append forwarding (appendProtocol.ts): listens on a local socket and runs
 * each request's append on the store this process writes, answering every line with its result or
 * error. Requests of one connection run concurrently, like appends of concurrent requests here, so
 * they share commits. A connection that does not prove it knows the secret (appendProtocol.ts), or
 * sends a line that is not a request, is closed: only a process that can read the data directory
 * may append.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { EventStore } from '../eventStore.js';
import { AppendRequestSchema, appendsOf, errorToWire, HelloSchema, lineReader, nonce, ProofSchema, proofOf, sameProof, type AppendAnswer, type AppendRequest } from './appendProtocol.js';

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
}

/** Serves appends to `store` on `options.address`. */
export async function serveAppends(store: EventStore, options: AppendServerOptions): Promise<AppendServer> {
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => undefined);
    serveConnection(socket, store, options.secret);
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

function serveConnection(socket: Socket, store: EventStore, secret: string): void {
  // The handshake: the client's nonce, then its proof of the secret; requests after that.
  let clientNonce: string | undefined;
  let writerNonce: string | undefined;
  let admitted = false;
  const answer = (reply: AppendAnswer): void => {
    if (!socket.writable) return;
    socket.write(`${JSON.stringify(reply)}\n`);
  };
  const run = async (request: AppendRequest): Promise<void> => {
    try {
      answer({ id: request.id, results: await store.appendToStreams(appendsOf(request)) });
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
      socket.write(`${JSON.stringify({ challenge: writerNonce, proof: proofOf(secret, 'writer', clientNonce, writerNonce) })}\n`);
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
        const request = AppendRequestSchema.safeParse(parsed);
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
