import { expect } from 'chai';
import { connect, createServer, type Socket } from 'node:net';
import { listenExclusive, serveUnread } from './connections.js';

describe('listenExclusive', () => {
  it('resolves with the port bound, and refuses an address another listener holds with EADDRINUSE', async () => {
    const first = createServer();
    const second = createServer();
    try {
      const port = await listenExclusive(first, '127.0.0.1', 0);
      expect(port).to.be.greaterThan(0);
      const refused = await listenExclusive(second, '127.0.0.1', port).then(() => undefined, (error: unknown) => error as NodeJS.ErrnoException);
      expect(refused?.code).to.equal('EADDRINUSE');
    } finally {
      await new Promise<void>((resolve) => first.close(() => { resolve(); }));
    }
  });
});

describe('serveUnread', () => {
  it('hands a paused connection to its server with every byte the client sent, then reads it', async () => {
    const received: string[] = [];
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      // Nothing reads it before serveUnread: the bytes wait in the socket.
      setTimeout(() => {
        serveUnread(socket, (accepted: Socket) => {
          accepted.setEncoding('utf8').on('data', (chunk: string) => received.push(chunk));
          accepted.on('end', () => accepted.end());
        });
      }, 50);
    });
    const port = await listenExclusive(server, '127.0.0.1', 0);
    try {
      const client = connect(port, '127.0.0.1');
      client.end('hello, whole');
      await new Promise<void>((resolve) => client.on('close', () => { resolve(); }));
      expect(received.join('')).to.equal('hello, whole');
    } finally {
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
  });
});
