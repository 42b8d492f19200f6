import { expect } from 'chai';
import { FrameScanner } from './upgradeBridge.js';

/** A WebSocket frame as a client sends it (masked), with the declared length the header says. */
function clientFrame(opcode: number, payloadBytes: number, fin = true): Buffer {
  const lengthBytes = payloadBytes < 126 ? 0 : payloadBytes < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | payloadBytes;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(payloadBytes, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(payloadBytes), 2);
  }
  return Buffer.concat([header, Buffer.alloc(payloadBytes, 0x61)]);
}

/** Feeds the bytes in pieces of `pieceBytes`; returns false as soon as the scanner refuses. */
function feed(scanner: FrameScanner, bytes: Buffer, pieceBytes: number): boolean {
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (scanner.scan(bytes.subarray(offset, offset + pieceBytes)) < 0) return false;
  }
  return true;
}

describe('FrameScanner', () => {
  for (const pieceBytes of [1, 3, 7, 1000, 1 << 20]) {
    describe(`having frames fed in pieces of ${pieceBytes} bytes`, () => {
      it('should accept frames of each length encoding under the limit and end at a boundary', () => {
        const scanner = new FrameScanner(70_000);
        const frames = Buffer.concat([clientFrame(1, 5), clientFrame(1, 300), clientFrame(2, 65_536), clientFrame(9, 0)]);
        expect(feed(scanner, frames, pieceBytes)).to.equal(true);
        expect(scanner.atBoundary).to.equal(true);
      });

      it('should refuse a frame declared over the limit, before its payload arrives', () => {
        const scanner = new FrameScanner(1000);
        const header = clientFrame(1, 5000).subarray(0, 8);
        expect(feed(scanner, header, pieceBytes)).to.equal(false);
      });

      it('should refuse a fragmented message whose fragments together are over the limit', () => {
        const scanner = new FrameScanner(1000);
        const fragments = Buffer.concat([clientFrame(1, 600, false), clientFrame(9, 10), clientFrame(0, 600, true)]);
        expect(feed(scanner, fragments, pieceBytes)).to.equal(false);
      });

      it('should count each message on its own once the previous one ended', () => {
        const scanner = new FrameScanner(1000);
        const messages = Buffer.concat([clientFrame(1, 600, false), clientFrame(0, 300, true), clientFrame(1, 900)]);
        expect(feed(scanner, messages, pieceBytes)).to.equal(true);
      });
    });
  }

  describe('having a 64-bit length far over any limit', () => {
    it('should refuse it', () => {
      const header = Buffer.from([0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
      expect(new FrameScanner(4 * 1024 * 1024).scan(header)).to.equal(-1);
    });
  });

  describe('having to stop at the next boundary', () => {
    it('should return the bytes up to the end of the frame in flight', () => {
      const scanner = new FrameScanner();
      const first = clientFrame(1, 10);
      const both = Buffer.concat([first, clientFrame(1, 10)]);
      expect(scanner.scan(both.subarray(0, 5))).to.equal(5);
      expect(scanner.atBoundary).to.equal(false);
      expect(scanner.scan(both.subarray(5), true)).to.equal(first.length - 5);
      expect(scanner.atBoundary).to.equal(true);
    });
  });
});
