/**
 * Agent shards: a stable shard number per service account, over the configured number of shards,
 * and the endpoints each shard is served at (read from the environment by keystream's config).
 *
 * The number is a jump consistent hash (Lamping & Veach, 2014) of SHA-256 of the account name:
 * the same account always gets the same shard on every replica, and growing from N to N+1 shards
 * moves only about 1/(N+1) of the accounts (a modulo would move nearly all of them).
 */
import { createHash } from 'node:crypto';

/** `KEYSTREAM_AGENT_SHARDS` and `KEYSTREAM_SHARD_ENDPOINTS`, parsed. */
export interface ShardPlan {
  readonly count: number;
  /** Endpoints per shard number; a shard without an entry has none configured. */
  readonly endpoints: ReadonlyMap<number, readonly string[]>;
}

const MASK_64 = (1n << 64n) - 1n;

/** Jump consistent hash of a 64-bit key into `buckets` buckets. */
export function jumpConsistentHash(key: bigint, buckets: number): number {
  let state = key & MASK_64;
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state = (state * 2862933555777941757n + 1n) & MASK_64;
    next = Math.floor((bucket + 1) * (2 ** 31 / Number((state >> 33n) + 1n)));
  }
  return bucket;
}

/** The shard of an account name. */
export function shardOf(accountName: string, plan: Pick<ShardPlan, 'count'>): number {
  const digest = createHash('sha256').update(accountName, 'utf8').digest();
  return jumpConsistentHash(digest.readBigUInt64BE(0), plan.count);
}
