/**
 * A bounds-checked big-endian reader over a TPM-marshalled byte string (TPM 2.0 Part 2 §5: every
 * integer is big-endian, every TPM2B is a 16-bit size followed by that many bytes).
 */
import { AttestationInputError } from '../attestationInputError.js';

/** Reads TPM structures from a buffer; every read past the end throws an AttestationInputError naming the structure. */
export class TpmReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    /** What is being read, for error messages (`TPMT_PUBLIC`, `TPMS_ATTEST`). */
    readonly structure: string,
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      throw new AttestationInputError(`${this.structure} is truncated: ${what} needs ${length} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  u8(what: string): number {
    return this.take(1, what)[0] ?? 0;
  }

  u16(what: string): number {
    const b = this.take(2, what);
    return ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  }

  u32(what: string): number {
    const b = this.take(4, what);
    return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
  }

  u64(what: string): bigint {
    const b = this.take(8, what);
    return Buffer.from(b).readBigUInt64BE(0);
  }

  /** `length` raw bytes (a copy, so callers may keep it). */
  raw(length: number, what: string): Buffer {
    return Buffer.from(this.take(length, what));
  }

  /** A TPM2B: 16-bit size, then the bytes. */
  tpm2b(what: string, maxSize = 0xffff): Buffer {
    const size = this.u16(`${what} size`);
    if (size > maxSize) throw new AttestationInputError(`${this.structure}: ${what} is ${size} bytes, at most ${maxSize} allowed`);
    return this.raw(size, what);
  }

  /** Throws unless everything was read (trailing bytes mean the structure is not what it claims). */
  end(): void {
    if (this.remaining !== 0) throw new AttestationInputError(`${this.structure} has ${this.remaining} trailing bytes`);
  }
}

/** Marshals a TPM2B (16-bit big-endian size, then the bytes). */
export function tpm2b(bytes: Uint8Array): Buffer {
  if (bytes.length > 0xffff) throw new RangeError(`a TPM2B holds at most 65535 bytes, got ${bytes.length}`);
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  out.set(bytes, 2);
  return out;
}
