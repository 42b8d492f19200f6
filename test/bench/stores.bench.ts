/**
 * Benchmark of the embedded stores (issue 4). Prints figures; asserts nothing.
 *
 *   npx tsx --conditions=keystream-source test/bench/stores.bench.ts [--quick]
 *
 * Measures: raw LMDB put rate (the storage engine's ceiling on this machine), event-store appends/s
 * of single-event commands at 1 and 32 concurrent appenders and their ratio to the raw rate, a full
 * `$all` read in events/s, bytes on disk per event, read-store apply docs/s, and query latency
 * p50/p99 with a 3-clause filter and a non-name sort over 100k documents of one kind.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { START_POSITION, openLmdbEventStore } from '@keystream/eventstore';
import type { NewEvent } from '@keystream/eventstore';
import { openLmdbReadStore } from '@keystream/readstore';
import { mongoIndexes } from '@keystream/keystream';
import type { DocumentWrite, JsonObject } from '@keystream/readstore';
import { open } from 'lmdb';

const quick = process.argv.includes('--quick');
const TIMED_MS = quick ? 1_000 : 3_000;
const FILL_EVENTS = quick ? 20_000 : 200_000;
const DOCUMENTS = quick ? 20_000 : 100_000;
const QUERIES = quick ? 50 : 200;

function newEvent(index: number): NewEvent {
  const id = randomUUID();
  return {
    id,
    type: 'ProjectCreated',
    data: { name: `projects/p${index}`, title: `Project ${index}`, parentOrganization: `organizations/o${index % 50}`, labels: { env: index % 2 === 0 ? 'prod' : 'dev' } },
    metadata: { actor: 'user:bench@example.com', requestId: id, correlationId: id, causationId: id, occurredAt: new Date(1_700_000_000_000 + index).toISOString(), schema: 1 },
  };
}

/** Runs `worker` on `concurrency` loops for TIMED_MS; returns operations per second. */
async function timedRate(concurrency: number, operation: (worker: number, iteration: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + TIMED_MS;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration += 1) {
        await operation(worker, iteration);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function directorySize(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path)) total += (await stat(join(path, entry))).size;
  return total;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const format = (value: number, digits = 0): string => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function rawLmdbPutRate(concurrency: number): Promise<number> {
  const path = await mkdtemp(join(tmpdir(), 'keystream-bench-raw-'));
  const root = open({ path, compression: false });
  const db = root.openDB<JsonObject, number>({ name: 'raw' });
  const value = newEvent(0).data;
  let key = 0;
  try {
    // One committed write transaction per put, like one append per command.
    return await timedRate(concurrency, () =>
      root.transaction(() => {
        key += 1;
        db.putSync(key, value);
      }),
    );
  } finally {
    await root.close();
    await rm(path, { recursive: true, force: true });
  }
}

async function benchEventStore(): Promise<void> {
  const path = await mkdtemp(join(tmpdir(), 'keystream-bench-events-'));
  const store = openLmdbEventStore({ path });
  try {
    const raw1 = await rawLmdbPutRate(1);
    const raw32 = await rawLmdbPutRate(32);
    let counter = 0;
    const append1 = await timedRate(1, () => store.append(`Project-projects/s${(counter += 1)}`, [newEvent(counter)], 'no_stream'));
    const append32 = await timedRate(32, () => store.append(`Project-projects/c${(counter += 1)}`, [newEvent(counter)], 'no_stream'));
    console.log(`raw LMDB put (1 txn per put)        1 concurrent: ${format(raw1)} puts/s   32 concurrent: ${format(raw32)} puts/s`);
    console.log(`event store append (1-event cmds)   1 concurrent: ${format(append1)} appends/s (${format((append1 / raw1) * 100, 1)}% of raw)   32 concurrent: ${format(append32)} appends/s (${format((append32 / raw32) * 100, 1)}% of raw)`);
    // The price of acknowledging only after the flush (the default) against KEYSTREAM_DURABILITY=relaxed.
    const relaxedPath = await mkdtemp(join(tmpdir(), 'keystream-bench-relaxed-'));
    const relaxed = openLmdbEventStore({ path: relaxedPath, waitForFlush: false });
    try {
      const relaxed1 = await timedRate(1, () => relaxed.append(`Project-projects/s${(counter += 1)}`, [newEvent(counter)], 'no_stream'));
      const relaxed32 = await timedRate(32, () => relaxed.append(`Project-projects/c${(counter += 1)}`, [newEvent(counter)], 'no_stream'));
      console.log(`append, durability relaxed          1 concurrent: ${format(relaxed1)} appends/s   32 concurrent: ${format(relaxed32)} appends/s (flush before ack costs ${format((1 - append1 / relaxed1) * 100, 0)}% / ${format((1 - append32 / relaxed32) * 100, 0)}%)`);
    } finally {
      await relaxed.close();
      await rm(relaxedPath, { recursive: true, force: true });
    }

    // Fill to FILL_EVENTS with batched appends so the $all read and the size figure mean something.
    let total = counter;
    while (total < FILL_EVENTS) {
      const batch = Array.from({ length: 100 }, (_, index) => newEvent(total + index));
      await store.append(`Project-projects/fill${total}`, batch, 'no_stream');
      total += batch.length;
    }
    const head = await store.headPosition();
    const readStarted = performance.now();
    let read = 0;
    let cursor = START_POSITION;
    for (;;) {
      const page = await store.readAll(cursor, 1000);
      const last = page[page.length - 1];
      if (last === undefined) break;
      read += page.length;
      cursor = last.position;
    }
    const readSeconds = (performance.now() - readStarted) / 1000;
    console.log(`$all full read                      ${format(read)} events in ${format(readSeconds, 2)} s: ${format(read / readSeconds)} events/s (head ${head})`);
    await store.close();
    const bytes = await directorySize(path);
    console.log(`bytes on disk per event             ${format(bytes / read)} B (${format(bytes / 1_048_576, 1)} MiB for ${format(read)} events, ~${format(JSON.stringify(newEvent(1)).length)} B of JSON each; LMDB file incl. free pages)`);
  } finally {
    await store.close();
    await rm(path, { recursive: true, force: true });
  }
}

function projectDocument(index: number): JsonObject {
  const name = `projects/p${String(index).padStart(6, '0')}`;
  return {
    name,
    title: `Project ${index}`,
    parentOrganization: `organizations/o${index % 50}`,
    businessTier: ['FREE', 'BASIC', 'GOLD', 'PLATINUM'][index % 4] ?? 'FREE',
    metadata: { createTime: new Date(1_700_000_000_000 + ((index * 7919) % DOCUMENTS) * 1000).toISOString(), labels: { env: index % 2 === 0 ? 'prod' : 'dev' }, uuid: randomUUID() },
  };
}

async function benchReadStore(): Promise<void> {
  const path = await mkdtemp(join(tmpdir(), 'keystream-bench-read-'));
  // The indexes keystream gives a Project: newest first, parent organization, the text index.
  const store = openLmdbReadStore({ path, retention: { maxEntries: 1_000_000 }, indexes: { Project: mongoIndexes()['Project'] ?? [] } });
  try {
    const kind = 'Project';
    const applyStarted = performance.now();
    const batchSize = 500;
    for (let start = 0; start < DOCUMENTS; start += batchSize) {
      const writes: DocumentWrite[] = [];
      for (let index = start; index < Math.min(DOCUMENTS, start + batchSize); index += 1) {
        writes.push({ op: 'put', kind, name: `projects/p${String(index).padStart(6, '0')}`, position: (index + 1).toString(16).padStart(16, '0'), document: projectDocument(index) });
      }
      await store.apply({ writes, checkpoint: { projector: 'bench', position: Math.min(DOCUMENTS, start + batchSize).toString(16).padStart(16, '0') } });
    }
    const applySeconds = (performance.now() - applyStarted) / 1000;
    console.log(`read store apply (batches of ${batchSize})     ${format(DOCUMENTS / applySeconds)} docs/s (${format(DOCUMENTS)} docs, with change log and the Project indexes maintained)`);

    const sortStarted = performance.now();
    await store.query(kind, { sort: { title: 1 }, limit: 1 });
    console.log(`sort on an unindexed field          ${format(performance.now() - sortStarted, 1)} ms over ${format(DOCUMENTS)} docs (reads every document, keeps the best page)`);

    for (const countTotal of [false, true]) {
      const latencies: number[] = [];
      let matched = 0;
      for (let query = 0; query < QUERIES; query += 1) {
        const filter = { parentOrganization: `organizations/o${query % 50}`, businessTier: { $in: ['GOLD', 'PLATINUM'] }, 'metadata.labels.env': 'prod' };
        const started = performance.now();
        const result = await store.query(kind, { filter, sort: { 'metadata.createTime': -1 }, limit: 50, countTotal });
        latencies.push(performance.now() - started);
        matched += result.totalCount ?? result.documents.length;
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `query 3-clause filter, sort createTime desc, limit 50${countTotal ? ', countTotal' : ''}: p50 ${format(percentile(latencies, 0.5), 2)} ms  p99 ${format(percentile(latencies, 0.99), 2)} ms over ${format(DOCUMENTS)} docs (${QUERIES} queries, avg ${format(matched / QUERIES)} ${countTotal ? 'total matches' : 'returned'})`,
      );
    }
  } finally {
    await store.close();
    await rm(path, { recursive: true, force: true });
  }
}

const cpu = cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}${quick ? ' (quick run)' : ''}`);
await benchEventStore();
await benchReadStore();
