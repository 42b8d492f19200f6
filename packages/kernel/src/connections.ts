/**
 * Listening for TCP connections that may be served by another process: `keystream start` accepts
 * its HTTP and gRPC connections paused (unread), so each can be handed whole to a replica child
 * before anything reads it, and the process that keeps one starts reading it only then.
 */
import type { Server, Socket } from 'node:net';

/**
 * Listens on `host:port` (0 picks a free port) as the one listener of the address, and resolves
 * with the port bound; rejects with the listen error as Node gives it (`EADDRINUSE`…), for the
 * caller to word.
 */
export function listenExclusive(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/**
 * Serves a connection accepted paused: `serve` takes it (its protocol's server), then it is read.
 * A response is never held back by Nagle, as Node's own servers set on what they accept.
 */
export function serveUnread(socket: Socket, serve: (socket: Socket) => void): void {
  if (socket.destroyed) return;
  socket.setNoDelay(true);
  serve(socket);
  socket.resume();
}
