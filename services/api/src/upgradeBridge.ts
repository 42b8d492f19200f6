/**
 * WebSocket upgrades accepted by the node:http edge, carried to the uWS app behind it (the watch
 * gateway) over loopback. The edge has already checked the head against the documented limits;
 * the bridge forwards a bounded head (uWS takes few headers) naming the client, then copies bytes
 * both ways. It watches the client's frames so one declared over the ceiling is answered with a
 * close frame 1009 instead of the connection being cut, and the server's frames so that close
 * frame never lands inside one of them.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { edgePeerHeaderLines, isEdgeHeader, plainAddress } from './edgePeer.js';

/** Closes a WebSocket because a message was larger than allowed (RFC 6455 §7.4.1). */
const CLOSE_MESSAGE_TOO_BIG = 1009;
/** uWS takes about 48 header fields; the forwarded head keeps the ones that matter first, within this. */
const MAX_FORWARDED_HEADERS = 32;
/** Forwarded first: what the WebSocket handshake and the gateway's authentication read. */
const ESSENTIAL_HEADERS = new Set(['host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'authorization', 'origin', 'x-request-id']);
/** How long a close waits for the server's frame in flight to end before the connection is cut. */
const CLOSE_GRACE_MILLISECONDS = 1000;

/**
 * Follows the frames of one direction of a WebSocket: where each ends, and how large each message
 * is declared to be (before its payload arrives).
 */
export class FrameScanner {
  private readonly header = Buffer.alloc(14);
  private headerFill = 0;
  private payloadLeft = 0;
  private messageBytes = 0;

  constructor(private readonly maxMessageBytes: number = Number.POSITIVE_INFINITY) {}

  /** Whether the bytes so far end exactly at a frame boundary. */
  get atBoundary(): boolean {
    return this.headerFill === 0 && this.payloadLeft === 0;
  }

  /**
   * Follows `chunk`. Returns how many of its bytes end at a frame boundary when `stopAtBoundary`
   * (the first boundary reached), else the chunk's length; -1 when a message is declared over the
   * limit.
   */
  scan(chunk: Buffer, stopAtBoundary = false): number {
    let offset = 0;
    while (offset < chunk.length) {
      if (stopAtBoundary && this.atBoundary && offset > 0) return offset;
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - offset);
        this.payloadLeft -= take;
        offset += take;
        continue;
      }
      this.header[this.headerFill] = chunk[offset] as number;
      this.headerFill += 1;
      offset += 1;
      const needed = this.headerLength();
      if (needed === undefined || this.headerFill < needed) continue;
      if (!this.frameHeaderRead()) return -1;
    }
    return chunk.length;
  }

  /** The full header length once its first two bytes are in. */
  private headerLength(): number | undefined {
    if (this.headerFill < 2) return undefined;
    const second = this.header[1] as number;
    const short = second & 0x7f;
    return 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + ((second & 0x80) !== 0 ? 4 : 0);
  }

  /** A header is complete: its payload comes next. False when the message is over the limit. */
  private frameHeaderRead(): boolean {
    const first = this.header[0] as number;
    const short = (this.header[1] as number) & 0x7f;
    const length = short === 126 ? this.header.readUInt16BE(2) : short === 127 ? Number(this.header.readBigUInt64BE(2)) : short;
    this.headerFill = 0;
    this.payloadLeft = length;
    const opcode = first & 0x0f;
    // Control frames (close, ping, pong) stand apart from the message they may interrupt.
    if (opcode >= 0x8) return length <= this.maxMessageBytes;
    this.messageBytes = opcode === 0 ? this.messageBytes + length : length;
    if (this.messageBytes > this.maxMessageBytes) return false;
    if ((first & 0x80) !== 0) this.messageBytes = 0;
    return true;
  }
}

/** A server close frame (unmasked) with its code and reason. */
function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason).subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88;
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/** The upgrade's head as forwarded: its request line, the essential headers, then others within the bound, and the client's address. */
function forwardedHead(request: IncomingMessage, clientAddress: string): string {
  const essential: string[] = [];
  const others: string[] = [];
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    const lower = name.toLowerCase();
    if (isEdgeHeader(lower)) continue;
    (ESSENTIAL_HEADERS.has(lower) ? essential : others).push(`${name}: ${raw[index + 1] as string}\r\n`);
  }
  const lines = [...essential, ...others].slice(0, MAX_FORWARDED_HEADERS);
  return `${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1\r\n${lines.join('')}${edgePeerHeaderLines(plainAddress(clientAddress))}\r\n`;
}

/** Bridges sockets; `closeAll` ends them. */
export interface UpgradeBridge {
  bridge(request: IncomingMessage, client: Duplex, head: Buffer): void;
  /**
   * Waits up to `graceMilliseconds` for the open bridges to end on their own (the gateway closing
   * its sockets sends close frames that still have to cross the bridge), then cuts the rest.
   */
  closeAll(graceMilliseconds: number): Promise<void>;
}

export function createUpgradeBridge(upstreamPort: number, maxMessageBytes: number): UpgradeBridge {
  const open = new Set<{ client: Duplex; upstream: Socket }>();
  /** Called whenever a bridge ends (closeAll waits on it). */
  let onEnded: (() => void) | undefined;
  const ended = (pair: { client: Duplex; upstream: Socket }): void => {
    if (open.delete(pair)) onEnded?.();
  };
  return {
    bridge(request, client, head) {
      const upstream = connect(upstreamPort, '127.0.0.1');
      upstream.setNoDelay(true);
      if ('setNoDelay' in client && typeof client.setNoDelay === 'function') (client as Socket).setNoDelay(true);
      const pair = { client, upstream };
      open.add(pair);
      const fromClient = new FrameScanner(maxMessageBytes);
      const fromServer = new FrameScanner();
      let handshakeDone = false;
      let handshakeBuffer = Buffer.alloc(0);
      let closing = false;
      const cut = (): void => {
        ended(pair);
        client.destroy();
        upstream.destroy();
      };
      const closeTooBig = (): void => {
        client.end(closeFrame(CLOSE_MESSAGE_TOO_BIG, `message over ${maxMessageBytes} bytes`));
        upstream.destroy();
        ended(pair);
      };
      const forwardToClient = (chunk: Buffer): void => {
        if (!closing) {
          if (!client.write(chunk)) upstream.pause();
          fromServer.scan(chunk);
          return;
        }
        // Closing: the server's frame in flight is finished first, then the close frame follows it.
        const upTo = fromServer.atBoundary ? 0 : fromServer.scan(chunk, true);
        client.write(chunk.subarray(0, Math.max(upTo, 0)));
        if (fromServer.atBoundary) closeTooBig();
      };
      upstream.on('data', (chunk: Buffer) => {
        if (handshakeDone) {
          forwardToClient(chunk);
          return;
        }
        handshakeBuffer = Buffer.concat([handshakeBuffer, chunk]);
        const end = handshakeBuffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        handshakeDone = true;
        const answerHead = handshakeBuffer.subarray(0, end + 4);
        // A refused upgrade is an ordinary HTTP answer: passed on as it is.
        client.write(answerHead);
        const rest = handshakeBuffer.subarray(end + 4);
        if (rest.length > 0) forwardToClient(rest);
      });
      const fromClientData = (chunk: Buffer): void => {
        if (closing) return;
        if (fromClient.scan(chunk) < 0) {
          closing = true;
          client.pause();
          if (fromServer.atBoundary) closeTooBig();
          else setTimeout(cut, CLOSE_GRACE_MILLISECONDS).unref();
          return;
        }
        if (!upstream.write(chunk)) client.pause();
      };
      client.on('data', fromClientData);
      upstream.on('drain', () => {
        if (!closing) client.resume();
      });
      client.on('drain', () => upstream.resume());
      upstream.on('end', () => {
        ended(pair);
        client.end();
      });
      client.on('end', () => upstream.end());
      upstream.on('error', cut);
      client.on('error', cut);
      upstream.on('close', () => {
        ended(pair);
        if (!closing) client.end();
      });
      client.on('close', () => {
        ended(pair);
        upstream.destroy();
      });
      upstream.write(forwardedHead(request, request.socket.remoteAddress ?? ''));
      // Bytes the client sent right after its upgrade request are its first frames.
      if (head.length > 0) fromClientData(head);
    },
    async closeAll(graceMilliseconds) {
      if (open.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMilliseconds);
          onEnded = () => {
            if (open.size > 0) return;
            clearTimeout(timer);
            resolve();
          };
        });
        onEnded = undefined;
      }
      for (const pair of open) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      open.clear();
    },
  };
}
