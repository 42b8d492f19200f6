/**
 * Random ids for resources created without a name.
 */
import { randomFillSync } from 'node:crypto';
import type { ResourceDescriptor } from '@keystream/api';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Length of generated ids: 1 letter + 15 of 36 symbols ≈ 82 bits, within every id regex. */
const ID_LENGTH = 16;

/** Random bytes drawn from the CSPRNG 4 KiB at a time: one system call per 256 ids, not one per id. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function pooledRandomBytes(size: number): Uint8Array {
  if (size > pool.length) return randomFillSync(new Uint8Array(size));
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A copy: the pool is refilled later, and callers may keep what they were given.
  const bytes = pool.slice(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

/**
 * A random id that satisfies `descriptor.idPattern`: a lowercase letter then lowercase letters
 * and digits, the shape every id regex of the contract accepts. `random` supplies bytes (tests
 * make it deterministic).
 */
export function generateId(descriptor: ResourceDescriptor, random: (size: number) => Uint8Array = pooledRandomBytes): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = random(ID_LENGTH);
    let id = LETTERS[(bytes[0] ?? 0) % LETTERS.length] as string;
    for (let index = 1; index < ID_LENGTH; index++) id += ALPHANUMERIC[(bytes[index] ?? 0) % ALPHANUMERIC.length] as string;
    if (descriptor.idPattern.test(id)) return id;
  }
  throw new Error(`${descriptor.kind}: cannot generate an id matching ${descriptor.idPattern.source}`);
}
