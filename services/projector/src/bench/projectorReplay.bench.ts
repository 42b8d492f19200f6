/**
 * Quick local figures for the projector on the embedded stores: replay (rebuild from zero)
 * events/s at a few batch sizes (a replay is a catch-up: its batches have the catch-up size), and
 * read-your-writes latency (append → waitForPosition) with a live projector. Run from the
 * repository root: `node --import tsx --conditions=keystream-source
 * services/projector/src/bench/projectorReplay.bench.ts [events] [--indexes file.json]`.
 * `--indexes`: the read store's index specifications per kind (JSON), so the replay maintains what the server's read model does (`npm run bench` passes the server's set);
 * without it the read store keeps no secondary index, which is not what a server applies.
 */
import { Projector } from '../projector.js';
import { appendLifecycle, lifecycleEvent, project, uniqueId } from '../testing/resourceEvents.js';
import { openStoreFixture } from '../testing/storeFixture.js';
import { streamOf } from '@keystream/domain';
import { openLmdbReadStore, type IndexSpecification } from '@keystream/readstore';
import { readFile, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values: flags, positionals } = parseArgs({ options: { indexes: { type: 'string' } }, allowPositionals: true });
const indexFile = flags.indexes;
const total = Number(positionals[0] ?? '50000');
const indexes = indexFile === undefined ? undefined : (JSON.parse(await readFile(indexFile, 'utf8')) as Record<string, IndexSpecification[]>);
const indexNote = indexes === undefined ? 'no secondary index' : `${(indexes['Project'] ?? []).length} indexes per Project, as given`;
const stores = await openStoreFixture();
try {
  // The log: each resource created then updated once, appended by 32 concurrent writers.
  const started = performance.now();
  const resources = Math.ceil(total / 2);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < resources) {
        next += 1;
        const id = uniqueId();
        const created = await stores.eventStore.append(streamOf('Project', `projects/${id}`), [lifecycleEvent('Project', 'Created', project(id, 'v1'))], 'no_stream');
        await stores.eventStore.append(streamOf('Project', `projects/${id}`), [lifecycleEvent('Project', 'Updated', project(id, 'v2'))], created.revision);
      }
    }),
  );
  const events = (await stores.eventStore.readAll('', Number.MAX_SAFE_INTEGER)).length;
  console.log(`appended ${events} events in ${Math.round(performance.now() - started)} ms`);

  // [ordinary batch limit, limit while catching up]: the default is 512 and 4 × 512.
  for (const [maxBatchEvents, catchUpBatchEvents] of [[128, 128], [512, 512], [512, 2048], [2048, 8192]] as const) {
    const path = `${stores.readStorePath}-${maxBatchEvents}-${catchUpBatchEvents}`;
    const readStore = openLmdbReadStore({ path, ...(indexes === undefined ? {} : { indexes }) });
    let applyMs = 0;
    const projector = new Projector({ eventStore: stores.eventStore, readStore, maxBatchEvents, catchUpBatchEvents, onBatchApplied: (summary) => (applyMs += summary.durationMs) });
    const replayStarted = performance.now();
    await projector.start();
    await projector.waitForPosition(await stores.eventStore.headPosition(), 600_000);
    const elapsed = performance.now() - replayStarted;
    const metrics = await projector.metrics();
    await projector.stop();
    await readStore.close();
    await rm(path, { recursive: true, force: true });
    console.log(`replay, batches of ${maxBatchEvents} (${catchUpBatchEvents} while catching up${maxBatchEvents === 512 && catchUpBatchEvents === 2048 ? ', the default' : ''}): ${Math.round((events * 1000) / elapsed)} events/s (${metrics.batchesTotal} batches, ${Math.round(elapsed)} ms, of which ${Math.round(applyMs)} ms in apply; ${indexNote})`);
  }

  // Read-your-writes: one writer, each append followed by a wait for its position.
  const projector = new Projector({ eventStore: stores.eventStore, readStore: stores.readStore });
  await projector.start();
  await projector.waitForPosition(await stores.eventStore.headPosition(), 600_000);
  const latencies: number[] = [];
  for (let index = 0; index < 1_000; index += 1) {
    const appended = await appendLifecycle(stores.eventStore, 'Project', 'Created', project(uniqueId(), 'ryw'));
    const waitStarted = performance.now();
    await projector.waitForPosition(appended.position, 10_000);
    latencies.push(performance.now() - waitStarted);
  }
  await projector.stop();
  latencies.sort((a, b) => a - b);
  const at = (quantile: number): string => (latencies[Math.floor(quantile * (latencies.length - 1))] ?? Number.NaN).toFixed(2);
  console.log(`read-your-writes wait after append (1,000 sequential writes): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
} finally {
  await stores.dispose();
}
