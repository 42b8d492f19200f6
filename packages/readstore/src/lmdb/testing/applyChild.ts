/**
 * The writing process of the follower spec (lmdbReadStoreFollow.int.spec.ts): opens the read store
 * at argv[2] as its writer, then applies each JSON batch it reads on stdin (one per line) and
 * prints `APPLIED <head>` once it committed. Ends when stdin ends.
 */
import { createInterface } from 'node:readline';
import type { ApplyBatch } from '../../readStore.js';
import { openLmdbReadStore } from '../lmdbReadStore.js';

const [path] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: applyChild <read store directory>');
const store = openLmdbReadStore({ path, indexes: { Group: [{ 'metadata.createTime': -1, name: 1 }, { title: 'text' }] } });
process.stdout.write('READY\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  await store.apply(JSON.parse(line) as ApplyBatch);
  process.stdout.write(`APPLIED ${await store.head()}\n`);
}
await store.close();
