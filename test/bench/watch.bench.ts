/**
 * Watch gateway benchmarks (issue 6), printed, not asserted.
 *
 *   npx tsx --expose-gc --conditions=keystream-source test/bench/watch.bench.ts [--full]
 *
 * One gateway (shared change-log tail, engine, uWS WebSocket endpoint) over an embedded read store,
 * written the way the projector writes it; the clients (ws) run in this same process, so every
 * figure includes the client's own cost. Figures:
 *   - N concurrent stateless watches (1k; 10k with --full), multiplexed over 100 sockets, each
 *     filtering on one of 100 buckets; change→client latency p50/p99 while ~1k changes/s are written;
 *   - gateway memory per idle watch (engine watches on a null sink: heap delta / N);
 *   - initial snapshot of 10k documents (open → is_current, default chunks of 100);
 *   - resume after a disconnect (cut → resumed and caught up with 100 changes made meanwhile).
 */
import os from 'node:os';
import { CollectionWatcher, WatchSocket } from '@keystream/client';
import { methodByName } from '@keystream/api';
import { startGatewayHarness, type GatewayHarness } from '@keystream/service-watch-gateway/testing';

const full = process.argv.includes('--full');
const gc = (globalThis as { gc?: () => void }).gc;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

const now = (): number => performance.timeOrigin + performance.now();

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

async function fanOut(harness: GatewayHarness, watches: number): Promise<void> {
  const socketCount = 100;
  const sockets = await Promise.all(Array.from({ length: socketCount }, () => WatchSocket.connect(harness.wsUrl)));
  const latencies: number[] = [];
  let synced = 0;
  const opened = now();
  for (let index = 0; index < watches; index += 1) {
    const socket = sockets[index % socketCount] as WatchSocket;
    let first = true;
    socket.watch('WatchGroups', { type: 'STATELESS', filter: `displayName = "bucket-${index % 100}"` }, {
      onResponse: (response) => {
        if (first && response['isCurrent'] === true) {
          first = false;
          synced += 1;
          return;
        }
        const changes = response['groupChanges'] as { current?: { group?: { description?: string } } }[] | undefined;
        for (const change of changes ?? []) {
          const sent = Number(change.current?.group?.description);
          if (!Number.isNaN(sent)) latencies.push(now() - sent);
        }
      },
      onError: (error) => {
        throw new Error(JSON.stringify(error));
      },
    });
  }
  await until(() => synced === watches, 120_000, 'every watch synced');
  const openSeconds = (now() - opened) / 1000;
  // ~1k changes/s for 3 s: one change per ms tick, each to one of 100 buckets.
  const seconds = 3;
  const started = now();
  let written = 0;
  const commits: number[] = [];
  while (now() - started < seconds * 1000) {
    // The projector commits in batches: every write here is one apply (one position) of the changes due by now.
    const due = Math.min(Math.floor(now() - started), written + 200);
    if (due > written) {
      const stamp = now();
      const batch = Array.from({ length: due - written }, (_unused, offset) => written + offset);
      await harness.fixture.write(batch.map((sequence) => ({ kind: 'Group', name: `groups/g${sequence % 500}`, document: { displayName: `bucket-${sequence % 100}`, description: String(stamp) } })));
      commits.push(now() - stamp);
      written = due;
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  const rate = written / ((now() - started) / 1000);
  const expected = written * (watches / 100);
  await until(() => latencies.length >= expected, 60_000, 'deliveries').catch(() => undefined);
  console.log(
    `  ${watches} watches on ${socketCount} sockets: opened and synced in ${openSeconds.toFixed(2)} s; ${written} changes at ${rate.toFixed(0)}/s → ${latencies.length} deliveries ` +
      `(expected ${expected}); change→client latency p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms ` +
      `(of which the store's commit of the batch: p50 ${percentile(commits, 0.5).toFixed(1)} ms, p99 ${percentile(commits, 0.99).toFixed(1)} ms, ${commits.length} batches)`,
  );
  await Promise.all(sockets.map((socket) => socket.close()));
  await until(() => harness.engine.size === 0, 30_000, 'watches closed');
}

async function idleMemory(harness: GatewayHarness, watches: number): Promise<void> {
  const method = methodByName('WatchGroups');
  const sink = { send: () => true, whenWritable: () => Promise.resolve(), fail: () => undefined };
  gc?.();
  const before = process.memoryUsage();
  const handles = Array.from({ length: watches }, (_unused, index) =>
    harness.engine.start(method, { type: 'STATELESS', filter: `displayName = "bucket-${index % 100}"` }, sink),
  );
  await until(() => harness.hub.subscriptions === watches, 60_000, 'idle watches subscribed');
  await new Promise<void>((resolve) => setTimeout(resolve, 200));
  gc?.();
  const after = process.memoryUsage();
  const perWatch = (after.heapUsed + after.external - before.heapUsed - before.external) / watches;
  console.log(`  memory per idle stateless watch (engine + shared tail, ${watches} watches${gc === undefined ? ', no --expose-gc: approximate' : ''}): ${(perWatch / 1024).toFixed(2)} KiB`);
  for (const handle of handles) handle.close();
  await until(() => harness.engine.size === 0, 30_000, 'idle watches closed');
}

async function snapshot(harness: GatewayHarness, documents: number): Promise<void> {
  for (let offset = 0; offset < documents; offset += 500) {
    await harness.fixture.write(Array.from({ length: 500 }, (_unused, index) => ({ kind: 'Organization', name: `organizations/o${offset + index}`, document: { title: `organization ${offset + index}`, description: 'x'.repeat(100) } })));
  }
  for (const chunk of [100, 1000]) {
    const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchOrganizations', singular: 'organization', request: { maxChunkSize: chunk } });
    const started = now();
    await watcher.start();
    await until(() => watcher.cache.isSynced, 60_000, 'snapshot');
    console.log(`  initial snapshot of ${watcher.resources.size} documents, max_chunk_size ${chunk}: ${(now() - started).toFixed(0)} ms`);
    await watcher.stop();
  }
}

async function resume(harness: GatewayHarness): Promise<void> {
  const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchOrganizations', singular: 'organization', reconnectDelayMs: 1 });
  await watcher.start();
  await until(() => watcher.cache.isSynced, 60_000, 'sync');
  const samples: number[] = [];
  for (let round = 0; round < 20; round += 1) {
    const resumes = watcher.stats.resumes;
    watcher.cut();
    for (let index = 0; index < 100; index += 1) {
      await harness.fixture.write([{ kind: 'Organization', name: `organizations/o${index}`, document: { title: `round ${round}` } }]);
    }
    const started = now();
    await until(() => watcher.stats.resumes > resumes && watcher.resources.get('organizations/o99')?.['title'] === `round ${round}`, 30_000, 'resume');
    samples.push(now() - started);
  }
  console.log(`  resume after a disconnect (reconnect, resume token, 100 changes made meanwhile): p50 ${percentile(samples, 0.5).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms; hard resets: ${watcher.stats.hardResets}`);
  await watcher.stop();
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`watch gateway benchmark — ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.release()}${full ? '' : ' (10k watchers: pass --full)'}`);
  const harness = await startGatewayHarness({ gateway: { softBufferBytes: 8 * 1024 * 1024, hardBufferBytes: 64 * 1024 * 1024 } });
  try {
    await idleMemory(harness, 10_000);
    await fanOut(harness, 1000);
    if (full) await fanOut(harness, 10_000);
    await snapshot(harness, 10_000);
    await resume(harness);
  } finally {
    await harness.close();
  }
}

await main();
