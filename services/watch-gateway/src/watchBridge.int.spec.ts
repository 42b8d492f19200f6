/**
 * The WebSocket path through the public listener (node:http) and the bridge to the gateway's
 * internal uWS listener: large credentials, the client's address, messages over the limit, and
 * the internal port refusing anything that did not come through the public listener.
 */
import net from 'node:net';
import { eventually } from '@keystream/api/testing';
import { ANONYMOUS } from '@keystream/watch';
import { expect } from 'chai';
import WebSocket from 'ws';
import { BEARER_PROTOCOL_PREFIX, WATCH_SUBPROTOCOL } from './protocolOffer.js';
import { startGatewayHarness, type GatewayHarness } from './testing/gatewayHarness.js';
import { BRIDGE_NONCE_HEADER } from './upgradeHandovers.js';
import { CLOSE_GOING_AWAY, CLOSE_MESSAGE_TOO_BIG, WATCH_PATH } from './watchGateway.js';

const MAX_FRAME = 1024;

interface Seen {
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
}

/** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
function open(url: string, options: { readonly protocols?: string[]; readonly headers?: Record<string, string>; readonly localAddress?: string } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {}, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    socket.once('open', () => {
      resolve(socket);
    });
    socket.once('unexpected-response', (request, response) => {
      // With this listener, ws leaves the refused connection to its caller.
      request.destroy();
      response.destroy();
      reject(Object.assign(new Error(`upgrade refused with ${response.statusCode}`), { status: response.statusCode }));
    });
    socket.once('error', reject);
  });
}

function closeCodeOf(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    socket.once('close', (code) => {
      resolve(code);
    });
  });
}

/** Opens a watch and waits for its first frame (the principal is resolved by then). */
async function firstFrame(socket: WebSocket, id = 'w'): Promise<Record<string, unknown>> {
  const frame = new Promise<Record<string, unknown>>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (parsed['id'] === id) resolve(parsed);
    });
  });
  socket.send(JSON.stringify({ id, method: 'WatchGroups', request: { type: 'STATELESS' } }));
  return frame;
}

/** Sends a request over raw TCP in parts and returns the answer's head. */
async function rawHead(port: number, parts: readonly string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  let answer = '';
  const head = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) resolve(answer.slice(0, answer.indexOf('\r\n\r\n')));
    });
    socket.on('close', () => {
      resolve(answer);
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', () => { resolve(); }));
  for (const part of parts) {
    socket.write(part, 'latin1');
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  const result = await head;
  socket.destroy();
  return result;
}

function upgradeRequest(extra: string): string {
  return `GET ${WATCH_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

describe('watch bridge', () => {
  let harness: GatewayHarness;
  const seen: Seen[] = [];
  const sockets: WebSocket[] = [];

  before(async () => {
    harness = await startGatewayHarness({
      gateway: {
        maxFrameBytes: MAX_FRAME,
        resolvePrincipal: (headers, remoteAddress) => {
          seen.push({ headers: { ...headers }, remoteAddress });
          return ANONYMOUS;
        },
      },
    });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });

  after(async () => {
    await harness.close();
  });

  describe('having large credentials', () => {
    for (const kilobytes of [5, 20, 64]) {
      describe(`when a ${kilobytes} KiB token comes in the Authorization header`, () => {
        it('should upgrade and authenticate the socket with the whole token', async () => {
          const token = 'h'.repeat(kilobytes * 1024);
          const socket = await open(harness.wsUrl, { headers: { authorization: `Bearer ${token}` } });
          sockets.push(socket);
          await firstFrame(socket);
          expect(seen.at(-1)?.headers['authorization']).to.equal(`Bearer ${token}`);
          expect(seen.at(-1)?.headers[BRIDGE_NONCE_HEADER]).to.equal(undefined);
          expect(harness.bridge.pendingHandovers()).to.equal(0);
        });
      });
    }

    for (const kilobytes of [5, 20]) {
      describe(`when a ${kilobytes} KiB token comes as the browser's bearer subprotocol`, () => {
        it('should answer with the real subprotocol only and authenticate with the token', async () => {
          const token = 'p'.repeat(kilobytes * 1024);
          const socket = await open(harness.wsUrl, { protocols: [WATCH_SUBPROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`] });
          sockets.push(socket);
          expect(socket.protocol).to.equal(WATCH_SUBPROTOCOL);
          await firstFrame(socket);
          expect(seen.at(-1)?.headers['authorization']).to.equal(`Bearer ${token}`);
          expect(JSON.stringify(seen.at(-1)?.headers)).not.to.contain(BEARER_PROTOCOL_PREFIX);
        });
      });
    }

    describe('when a 20 KiB token comes in an upgrade written in 6 parts', () => {
      it('should switch protocols', async () => {
        const request = upgradeRequest(`Authorization: Bearer ${'r'.repeat(20 * 1024)}\r\n`);
        const size = Math.ceil(request.length / 6);
        const head = await rawHead(harness.server.port, Array.from({ length: 6 }, (_unused, index) => request.slice(index * size, (index + 1) * size)));
        expect(head).to.match(/^HTTP\/1\.1 101 /);
      });
    });
  });

  describe('having a client on another address', () => {
    it('should authorize it with its own address, not the bridge\'s', async () => {
      const socket = await open(harness.wsUrl, { localAddress: '127.0.0.2' });
      sockets.push(socket);
      await firstFrame(socket);
      expect(seen.at(-1)?.remoteAddress).to.match(/^(::ffff:)?127\.0\.0\.2$/);
    });
  });

  describe('having upgrade heads the public listener refuses', () => {
    for (const [label, extra, status] of [
      ['two Authorization headers', 'Authorization: Bearer a\r\nAuthorization: Bearer b\r\n', 400],
      ['a header block over the limit', `X-Fill: ${'f'.repeat(100 * 1024)}\r\n`, 431],
      ['101 header fields', Array.from({ length: 101 }, (_unused, index) => `X-F${index}: v\r\n`).join(''), 431],
      ['a bearer entry and an Authorization header at once', `Authorization: Bearer a\r\nSec-WebSocket-Protocol: ${WATCH_SUBPROTOCOL}, ${BEARER_PROTOCOL_PREFIX}b\r\n`, 400],
    ] as const) {
      describe(`when it has ${label}`, () => {
        it(`should answer ${status} and not upgrade`, async () => {
          const head = await rawHead(harness.server.port, [upgradeRequest(extra)]);
          expect(head).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
        });
      });
    }

    describe('when it asks for another WebSocket version', () => {
      it('should answer 426 naming version 13', async () => {
        const head = await rawHead(harness.server.port, [upgradeRequest('').replace('Version: 13', 'Version: 8')]);
        expect(head).to.match(/^HTTP\/1\.1 426 /);
        expect(head.toLowerCase()).to.contain('sec-websocket-version: 13');
      });
    });
  });

  describe('having client messages over the limit', () => {
    for (const [label, bytes] of [
      ['twice the limit', MAX_FRAME * 2],
      ['ten times the limit', MAX_FRAME * 10],
      ['a thousand times the limit', MAX_FRAME * 1000],
    ] as const) {
      describe(`when one frame is ${label}`, () => {
        it('should close the socket with 1009, and the gateway should go on serving', async () => {
          const socket = await open(harness.wsUrl);
          sockets.push(socket);
          await firstFrame(socket);
          const closed = closeCodeOf(socket);
          socket.send('x'.repeat(bytes));
          expect(await closed).to.equal(CLOSE_MESSAGE_TOO_BIG);
          await eventually(() => harness.gateway.connections === 0, 5_000, 'the gateway closed its side');
          const next = await open(harness.wsUrl);
          sockets.push(next);
          expect(await firstFrame(next)).to.have.property('id', 'w');
        });
      });
    }

    describe('when a message over the limit comes in fragments under it', () => {
      it('should close the socket with 1009', async () => {
        const socket = await open(harness.wsUrl);
        sockets.push(socket);
        const closed = closeCodeOf(socket);
        socket.send('y'.repeat(MAX_FRAME - 100), { fin: false });
        socket.send('y'.repeat(MAX_FRAME - 100), { fin: true });
        expect(await closed).to.equal(CLOSE_MESSAGE_TOO_BIG);
      });
    });

    describe('when a message is exactly at the limit', () => {
      it('should be read (answered with an error frame) and the socket stay open', async () => {
        const socket = await open(harness.wsUrl);
        sockets.push(socket);
        const prefix = '{"id":"big","method":"WatchGroups","request":{"filter":"';
        const suffix = '"}}';
        const frame = `${prefix}${'z'.repeat(MAX_FRAME - prefix.length - suffix.length)}${suffix}`;
        expect(frame.length).to.equal(MAX_FRAME);
        const answer = new Promise<Record<string, unknown>>((resolve) => {
          socket.on('message', (data: Buffer) => {
            resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
          });
        });
        socket.send(frame);
        expect(await answer).to.have.property('id', 'big');
        expect(socket.readyState).to.equal(WebSocket.OPEN);
      });
    });
  });

  describe('having a connection to the internal port that did not come through the public listener', () => {
    for (const [label, headers] of [
      ['without a nonce', {}],
      ['with a made-up nonce', { [BRIDGE_NONCE_HEADER]: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ] as const) {
      describe(`when it is ${label}`, () => {
        it('should refuse the upgrade with 403', async () => {
          const refused = await open(`ws://127.0.0.1:${harness.bridge.internalPort}${WATCH_PATH}`, { headers: { ...headers, authorization: 'Bearer forged' } }).then(
            (socket) => {
              sockets.push(socket);
              return 0;
            },
            (error: unknown) => (error as { status?: number }).status ?? -1,
          );
          expect(refused).to.equal(403);
        });
      });
    }
  });

  describe('having the gateway close', () => {
    it('should deliver its 1001 through the bridge', async () => {
      const own = await startGatewayHarness();
      try {
        const socket = await open(own.wsUrl);
        sockets.push(socket);
        await firstFrame(socket);
        const closed = closeCodeOf(socket);
        own.gateway.close();
        expect(await closed).to.equal(CLOSE_GOING_AWAY);
      } finally {
        await own.close();
      }
    });
  });
});
