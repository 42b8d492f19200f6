/**
 * Follows the frame boundaries of one direction of a WebSocket byte stream (RFC 6455 §5.2)
 * without buffering payloads: only frame headers are read. The bridge uses it to measure client
 * messages before they reach the gateway, and to find a point between two server frames where a
 * close frame of its own may go.
 */

/** A frame header. */
export interface FrameHeader {
  readonly fin: boolean;
  readonly opcode: number;
  /** Payload length (a 64-bit length beyond 2^53 reads as Infinity). */
  readonly payloadLength: number;
}

/** Opcode of a close frame. */
export const OPCODE_CLOSE = 0x8;

/** Header size once its first two bytes are known. */
function headerSize(first: Buffer): number {
  const second = first[1] as number;
  const lengthCode = second & 0x7f;
  const extended = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
  const mask = (second & 0x80) !== 0 ? 4 : 0;
  return 2 + extended + mask;
}

function parseHeader(header: Buffer): FrameHeader {
  const first = header[0] as number;
  const lengthCode = (header[1] as number) & 0x7f;
  let payloadLength = lengthCode;
  if (lengthCode === 126) payloadLength = header.readUInt16BE(2);
  else if (lengthCode === 127) {
    const length = header.readBigUInt64BE(2);
    payloadLength = length > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(length);
  }
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payloadLength };
}

/** What {@link FrameScanner.scan} does at a frame header. */
export type FrameVisitor = (frame: FrameHeader) => 'continue' | 'stop';

/** The frame state of one direction of a WebSocket connection. */
export class FrameScanner {
  /** Bytes of a header split across chunks. */
  private partial = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;

  /** Between two frames: what follows starts a new frame. */
  get atBoundary(): boolean {
    return this.remaining === 0 && this.partial.length === 0;
  }

  /**
   * Reads `chunk`. `visit` sees each frame header once it is complete; when it answers 'stop', the
   * scan ends and returns the offset in `chunk` where that frame starts (negative when its header
   * began in an earlier chunk). With `untilBoundary`, the scan ends at the first point between two
   * frames (0 when it is there already) and returns its offset. Otherwise returns `chunk.length`.
   */
  scan(chunk: Buffer, visit: FrameVisitor = () => 'continue', untilBoundary = false): number {
    let offset = 0;
    for (;;) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= take;
        offset += take;
        if (this.remaining > 0) return chunk.length;
      }
      if (untilBoundary && this.partial.length === 0) return offset;
      if (offset >= chunk.length) return chunk.length;
      const headerStart = offset - this.partial.length;
      const available = Buffer.concat([this.partial, chunk.subarray(offset, offset + 14)]);
      const size = available.length < 2 ? Number.POSITIVE_INFINITY : headerSize(available);
      if (available.length < size) {
        this.partial = available;
        return chunk.length;
      }
      const frame = parseHeader(available.subarray(0, size));
      offset += size - this.partial.length;
      this.partial = Buffer.alloc(0);
      if (visit(frame) === 'stop') return headerStart;
      this.remaining = frame.payloadLength;
    }
  }
}
