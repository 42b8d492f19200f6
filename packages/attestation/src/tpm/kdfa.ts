/**
 * KDFa (TPM 2.0 Part 1 §11.4.10.2): SP800-108 counter-mode KDF with HMAC. Each block is
 * HMAC(key, [i]₃₂ ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ [bits]₃₂); the output is truncated to `bits`.
 */
import { createHmac } from 'node:crypto';
import type { TpmHash } from './tpmAlgorithms.js';

/** Derives `bits` bits (a multiple of 8) from `key`. */
export function kdfa(hash: TpmHash, key: Uint8Array, label: string, contextU: Uint8Array, contextV: Uint8Array, bits: number): Buffer {
  const bytes = Math.ceil(bits / 8);
  const labelBytes = Buffer.concat([Buffer.from(label, 'ascii'), Buffer.from([0])]);
  const bitsField = Buffer.alloc(4);
  bitsField.writeUInt32BE(bits, 0);
  const blocks: Buffer[] = [];
  for (let counter = 1, produced = 0; produced < bytes; counter++) {
    const counterField = Buffer.alloc(4);
    counterField.writeUInt32BE(counter, 0);
    const block = createHmac(hash.name, key).update(counterField).update(labelBytes).update(contextU).update(contextV).update(bitsField).digest();
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}
