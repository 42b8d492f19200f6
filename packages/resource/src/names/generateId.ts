/**
 * Random ids for resources created without a name.
 */
import { randomBytes } from 'node:crypto';
import type { ResourceDescriptor } from '@keystream/api';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Length of generated ids: 1 letter + 15 of 36 symbols ≈ 82 bits, within every id regex. */
const ID_LENGTH = 16;

/**
 * A random id that satisfies `descriptor.idPattern`: a lowercase letter then lowercase letters
 * and digits, the shape every id regex of the contract accepts. `random` supplies bytes (tests
 * make it deterministic).
 */
export function generateId(descriptor: ResourceDescriptor, random: (size: number) => Uint8Array = randomBytes): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = random(ID_LENGTH);
    let id = LETTERS[(bytes[0] ?? 0) % LETTERS.length] as string;
    for (let index = 1; index < ID_LENGTH; index++) id += ALPHANUMERIC[(bytes[index] ?? 0) % ALPHANUMERIC.length] as string;
    if (descriptor.idPattern.test(id)) return id;
  }
  throw new Error(`${descriptor.kind}: cannot generate an id matching ${descriptor.idPattern.source}`);
}
