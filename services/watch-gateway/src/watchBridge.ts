/**
 * Carries WebSocket upgrades from the public HTTP listener (node:http) to the gateway's
 * uWebSockets.js app, which listens on a loopback port of its own.
 *
 * The public listener has parsed and checked the upgrade request (its limits, its duplicate
 * headers). The bridge forwards a small request of its own — method, path, Host, Upgrade,
 * Connection, the Sec-WebSocket-* headers the handshake needs (never a bearer entry) and a
 * one-time nonce — well under what uWS's parser takes in one piece; everything else (credentials,
 * the client's address) is handed over in process by nonce ({@link UpgradeHandovers}). Then it
 * copies bytes both ways, with backpressure, reading only frame headers: a client message over the
 * frame limit is never forwarded, and the client gets a 1009 close frame between two server
 * frames (uWS itself would cut messages above 4× its limit without a close frame).
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KeystreamError } from '@keystream/api';
import { loadNativeUws, type RequestHead, type UpgradeHandler } from '@keystream/service-api';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { FrameScanner, OPCODE_CLOSE } from './frameScanner.js';
import { BEARER_PROTOCOL_PREFIX } from './protocolOffer.js';
import { BRIDGE_NONCE_HEADER, UpgradeHandovers } from './upgradeHandovers.js';
import { CLOSE_MESSAGE_TOO_BIG, WATCH_PATH, type WatchGateway } from './watchGateway.js';

/** A running bridge. */
export interface WatchBridge {
  /** Mount on the public listener for {@link WATCH_PATH}. */
  readonly upgrade: UpgradeHandler;
  /** The loopback port of the gateway's uWS app (tests). */
  readonly internalPort: number;
  /** Upgrades handed over and not yet claimed (tests). */
  readonly pendingHandovers: () => number;
  /**
   * Closes the internal listener, gives connections already closing (the gateway's 1001) a moment
   * to finish, then cuts what is left.
   */
  close(): Promise<void>;
}

/** Longest Sec-WebSocket-Protocol / -Extensions value forwarded (the gateway reads the client's own from the handover). */
const MAX_FORWARDED_VALUE = 256;
/** Most bytes of the internal listener's answer head read before giving up on it. */
const MAX_ANSWER_HEAD = 8 * 1024;
/** How long a closed client may take to read its close frame before its connection is cut. */
const CLOSE_GRACE_MS = 5_000;
/** How long closing waits for bridged connections to end by themselves. */
const CLOSE_SETTLE_MS = 1_000;
/** A Sec-WebSocket-Key is 16 random bytes in base64 (RFC 6455 §4.1). */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** The handshake refusals decided on the head, answered before anything reaches the gateway. */
function handshakeProblem(head: RequestHead): KeystreamError | undefined {
  if (head.httpMethod !== 'GET') return new KeystreamError('UNIMPLEMENTED', `a WebSocket opens with GET, not ${head.httpMethod}`, [], { httpStatus: 405, headers: { allow: 'GET' } });
  if (head.headers['sec-websocket-version'] !== '13') {
    return new KeystreamError('INVALID_ARGUMENT', 'Sec-WebSocket-Version must be 13', [], { httpStatus: 426, headers: { 'sec-websocket-version': '13' } });
  }
  if (!KEY_PATTERN.test(head.headers['sec-websocket-key'] ?? '')) return KeystreamError.invalidArgument([{ field: 'Sec-WebSocket-Key', description: 'must be 16 bytes in base64' }]);
  return undefined;
}

function forwardedRequest(head: RequestHead, port: number, nonce: string): string {
  const lines = [`GET ${WATCH_PATH} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'upgrade: websocket', 'connection: Upgrade', `sec-websocket-key: ${head.headers['sec-websocket-key'] ?? ''}`, 'sec-websocket-version: 13'];
  // The offer without its bearer entry; the gateway reads the whole offer from the handover.
  const offer = (head.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith(BEARER_PROTOCOL_PREFIX))
    .join(', ');
  if (offer !== '' && offer.length <= MAX_FORWARDED_VALUE) lines.push(`sec-websocket-protocol: ${offer}`);
  const extensions = head.headers['sec-websocket-extensions'] ?? '';
  if (extensions !== '' && extensions.length <= MAX_FORWARDED_VALUE) lines.push(`sec-websocket-extensions: ${extensions}`);
  lines.push(`${BRIDGE_NONCE_HEADER}: ${nonce}`, '', '');
  return lines.join('\r\n');
}

function closeFrame(code: number, reason: string): Buffer {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason.slice(0, 120), 'utf8')]);
  return Buffer.concat([Buffer.from([0x80 | OPCODE_CLOSE, payload.length]), payload]);
}

function refuse(socket: Duplex, error: KeystreamError): void {
  const body = JSON.stringify(error.toBody());
  const headers = { ...error.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  const head = [`HTTP/1.1 ${error.httpStatus} ${error.httpStatus === 426 ? 'Upgrade Required' : 'Refused'}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
  socket.on('error', () => undefined);
  socket.end(head + body);
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
}

/** One client connection carried to the internal listener. */
class BridgedConnection {
  private readonly fromClient = new FrameScanner();
  private readonly fromServer = new FrameScanner();
  /** Bytes of the current client message (over its fragments) so far. */
  private messageBytes = 0;
  /** The internal listener's answer head, until it is complete. */
  private answerHead: Buffer | undefined = Buffer.alloc(0);
  /** The answer was not 101: bytes pass without frame scanning. */
  private plainHttp = false;
  /** The server sent its close frame: the bridge sends none of its own. */
  private serverClosed = false;
  /** A close the bridge must send once the server's stream is between two frames. */
  private pendingClose: Buffer | undefined;
  private done = false;

  constructor(
    private readonly client: Duplex,
    private readonly upstream: Socket,
    private readonly maxMessageBytes: number,
  ) {}

  start(early: Buffer): void {
    const { client, upstream } = this;
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    if (early.length > 0) this.fromClientData(early);
    client.on('data', (chunk: Buffer) => {
      this.fromClientData(chunk);
    });
    client.resume();
    upstream.on('data', (chunk: Buffer) => {
      this.fromServerData(chunk);
    });
    upstream.on('drain', () => client.resume());
    client.on('drain', () => upstream.resume());
    client.on('end', () => {
      if (!this.done) upstream.end();
    });
    upstream.on('end', () => {
      if (!this.done) client.end();
    });
    client.on('close', () => {
      this.done = true;
      upstream.destroy();
    });
    upstream.on('close', () => {
      // Whatever the server wrote is flushed first; a client that does not read it is cut later.
      if (this.pendingClose !== undefined && this.fromServer.atBoundary) this.sendPendingClose();
      client.end();
      setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref();
    });
  }

  private fromClientData(chunk: Buffer): void {
    if (this.pendingClose !== undefined || this.done) return;
    let tooBig = 0;
    const forwardUpTo = this.fromClient.scan(chunk, (frame) => {
      if (frame.opcode > 0x2) return 'continue';
      const total = (frame.opcode === 0 ? this.messageBytes : 0) + frame.payloadLength;
      if (total > this.maxMessageBytes) {
        tooBig = total;
        return 'stop';
      }
      this.messageBytes = frame.fin ? 0 : total;
      return 'continue';
    });
    if (forwardUpTo > 0 && !this.upstream.write(chunk.subarray(0, forwardUpTo))) this.client.pause();
    if (tooBig > 0) this.closeTooBig(tooBig);
  }

  private closeTooBig(length: number): void {
    const reason = Number.isFinite(length) ? `message of ${length} bytes; at most ${this.maxMessageBytes} are accepted` : `message over ${this.maxMessageBytes} bytes`;
    this.pendingClose = closeFrame(CLOSE_MESSAGE_TOO_BIG, reason);
    // Nothing more of the client's is read: what it still sends is dropped.
    this.client.resume();
    if (this.answerHead === undefined && !this.plainHttp && this.fromServer.atBoundary) this.sendPendingClose();
  }

  private fromServerData(chunk: Buffer): void {
    if (this.done) return;
    let data = chunk;
    if (this.answerHead !== undefined) {
      const head = Buffer.concat([this.answerHead, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_ANSWER_HEAD) this.client.destroy();
        else this.answerHead = head;
        return;
      }
      this.answerHead = undefined;
      this.plainHttp = !/^HTTP\/1\.1 101 /.test(head.subarray(0, 16).toString('latin1'));
      this.forwardToClient(head.subarray(0, end + 4));
      data = head.subarray(end + 4);
    }
    if (this.plainHttp) {
      this.forwardToClient(data);
      return;
    }
    if (this.pendingClose !== undefined) {
      const boundary = this.fromServer.scan(data, (frame) => this.sawServerFrame(frame.opcode), true);
      this.forwardToClient(data.subarray(0, boundary));
      if (this.fromServer.atBoundary) this.sendPendingClose();
      return;
    }
    this.fromServer.scan(data, (frame) => this.sawServerFrame(frame.opcode));
    this.forwardToClient(data);
  }

  private sawServerFrame(opcode: number): 'continue' {
    if (opcode === OPCODE_CLOSE) this.serverClosed = true;
    return 'continue';
  }

  private forwardToClient(data: Buffer): void {
    if (data.length > 0 && !this.client.write(data)) this.upstream.pause();
  }

  /** Sends the bridge's own close frame and ends both sides. */
  private sendPendingClose(): void {
    const frame = this.pendingClose;
    if (frame === undefined || this.done) return;
    this.done = true;
    if (!this.serverClosed) this.client.write(frame);
    this.client.end();
    setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS).unref();
    // The gateway sees the connection end, and closes the socket's watches.
    this.upstream.destroy();
  }
}

/**
 * Starts the gateway's internal uWS listener on a loopback port and returns the upgrade handler
 * for the public listener.
 */
export async function startWatchBridge(gateway: WatchGateway): Promise<WatchBridge> {
  const uws = loadNativeUws();
  const handovers = new UpgradeHandovers();
  // The native app has close() (closes the listen socket and every open connection); the package's
  // type declarations predate it.
  const app = uws.App() as TemplatedApp & { close(): void };
  gateway.mount(app, handovers);
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen('127.0.0.1', 0, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error('the watch gateway cannot listen on a loopback port'));
    });
  });
  const internalPort = uws.us_socket_local_port(listenSocket);
  const open = new Set<Duplex>();

  const upgrade: UpgradeHandler = (head, socket, early) => {
    const problem = handshakeProblem(head);
    if (problem !== undefined) {
      refuse(socket, problem);
      return;
    }
    // Nothing of the client's is read until the internal connection is there to take it.
    socket.pause();
    const nonce = handovers.offer({ headers: head.headers, remoteAddress: head.remoteAddress });
    const upstream = connect(internalPort, '127.0.0.1');
    upstream.setNoDelay(true);
    (socket as Partial<Socket>).setNoDelay?.(true);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let connected = false;
    upstream.once('error', () => {
      if (connected) return;
      handovers.withdraw(nonce);
      refuse(socket, new KeystreamError('UNAVAILABLE', 'the watch gateway is not reachable; retry'));
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.write(forwardedRequest(head, internalPort, nonce));
      new BridgedConnection(socket, upstream, gateway.maxFrameBytes).start(early);
    });
  };

  return {
    upgrade,
    internalPort,
    pendingHandovers: () => handovers.size,
    async close() {
      uws.us_listen_socket_close(listenSocket);
      const deadline = Date.now() + CLOSE_SETTLE_MS;
      while (open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      app.close();
      for (const socket of open) socket.destroy();
    },
  };
}
