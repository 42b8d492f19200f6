/**
 * How the node:http edge tells the uWS app behind it (over loopback) who the client is. A bridged
 * WebSocket upgrade reaches uWS from 127.0.0.1; the edge adds the client's address in a header,
 * with a key only this process knows, so a client cannot name its own address (an IP condition
 * decides on it).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

const EDGE_PEER_HEADER = 'x-keystream-edge-peer' as const;
const EDGE_KEY_HEADER = 'x-keystream-edge-key' as const;
const EDGE_KEY = randomBytes(24).toString('base64url');

/** Whether a (lower-case) header name is one of the edge's own, which clients may not send. */
export function isEdgeHeader(name: string): boolean {
  return name === EDGE_PEER_HEADER || name === EDGE_KEY_HEADER;
}

/** The header lines naming the client, for a request the edge forwards. */
export function edgePeerHeaderLines(address: string): string {
  return `${EDGE_PEER_HEADER}: ${address.replace(/[^0-9a-fA-F:.%]/g, '')}\r\n${EDGE_KEY_HEADER}: ${EDGE_KEY}\r\n`;
}

/**
 * The client's address: the edge's header when it carries this process's key, else the socket's.
 * Removes the edge's headers either way, so nothing downstream sees (or logs) them.
 */
export function peerOf(headers: Record<string, string>, socketAddress: string): string {
  const key = headers[EDGE_KEY_HEADER];
  const peer = headers[EDGE_PEER_HEADER];
  delete headers['x-keystream-edge-key'];
  delete headers['x-keystream-edge-peer'];
  if (key === undefined || peer === undefined) return socketAddress;
  const given = Buffer.from(key);
  const expected = Buffer.from(EDGE_KEY);
  return given.length === expected.length && timingSafeEqual(given, expected) ? peer : socketAddress;
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) as `10.0.0.1`, as uWS reports it. */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
