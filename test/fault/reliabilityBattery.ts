/**
 * The reliability battery (issue 17). Prints figures that must all be 0; exits 1 otherwise.
 *
 *   npx tsx --conditions=keystream-source test/fault/reliabilityBattery.ts [--kills 20] [--cuts 1000] [--starts 6]
 *
 * - SIGKILL during a write burst × `--kills`, with a watcher attached: real `keystream start`
 *   children on one data directory, 8 writers with request ids, killed after a random number of
 *   acknowledgements, restarted on the same port. Counts acknowledged writes lost (Get and List
 *   after restart), duplicated (List), missing from the watcher's cache once it caught up, and
 *   the watcher's consistency errors (a gap or a contradiction in what it was sent).
 * - Watch cut and resumed at `--cuts` random points while a writer changes documents: each
 *   document carries a counter bumped by every write, so a change delivered twice (after a resume,
 *   with no reset) is a duplicate, and the cache differing from the store at the end is a gap.
 * - 50 read-modify-write clients × 10 increments of one counter, with metadata.resource_version:
 *   updates lost.
 * - `--starts` instances started at once on one fresh data directory: instances that started
 *   beyond the first.
 * Disk full × 5 is `test/fault/diskFull.spec.ts` (it needs a tmpfs mount), which prints its figures.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CollectionWatcher } from '@keystream/client';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startGatewayHarness } from '@keystream/service-watch-gateway/testing';
import { runKeystreamExpectingExit, startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '20' }, cuts: { type: 'string', default: '1000' }, starts: { type: 'string', default: '6' } } });
const KILLS = Number(values.kills);
const CUTS = Number(values.cuts);
const STARTS = Number(values.starts);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return condition();
}

function freePort(): Promise<string> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(String(port));
      });
    });
  });
}

async function killDuringBursts(): Promise<Record<string, number>> {
  const directory = mkdtempSync(path.join(tmpdir(), 'keystream-battery-kill-'));
  const figures = { rounds: 0, acknowledged: 0, acknowledgedLost: 0, duplicated: 0, missingFromWatcher: 0, watcherConsistencyErrors: 0 };
  // A fixed port from the start: uWS binds port 0 without SO_REUSEADDR, and the connections the
  // kill leaves in TIME_WAIT would then hold that port for a minute.
  const port = await freePort();
  let child: KeystreamChild = await startKeystreamChild(directory, { KEYSTREAM_HTTP_PORT: port });
  const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}`;
  const watcher = new CollectionWatcher({ url: `${child.url.replace(/^http/, 'ws')}/v1/watch`, method: 'WatchProjects', singular: 'project', headers: { authorization } });
  watcher.on('error', () => undefined);
  await watcher.start();
  const acknowledged = new Map<string, string>();
  try {
    for (let round = 1; round <= KILLS; round += 1) {
      const running = child;
      const killAfter = 20 + Math.floor(Math.random() * 60);
      let acked = 0;
      let killed = false;
      // Read through a function: another writer sets it while this one awaits.
      const stillRunning = (): boolean => !killed;
      const writer = async (): Promise<void> => {
        while (stillRunning()) {
          const requestId = `kill-${round}-${randomUUID()}`;
          try {
            const response = await fetch(`${running.url}/v1/projects`, {
              method: 'POST',
              headers: { authorization, 'content-type': 'application/json', 'x-request-id': requestId, connection: 'close' },
              body: JSON.stringify({ title: requestId }),
            });
            const body = (await response.json()) as { name?: string };
            if (response.status === 200 && body.name !== undefined && stillRunning()) {
              acknowledged.set(requestId, body.name);
              acked += 1;
              if (acked === killAfter) {
                killed = true;
                running.process.kill('SIGKILL');
              }
            }
          } catch {
            // Cut by the kill: may or may not have landed; it was not acknowledged.
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
      await running.exited;
      child = await startKeystreamChild(directory, { KEYSTREAM_HTTP_PORT: port });
      const url = child.url;
      figures.rounds += 1;
      // Every write acknowledged so far (all rounds), by Get.
      for (const name of acknowledged.values()) {
        const response = await fetch(`${url}/v1/${name}`, { headers: { authorization, connection: 'close' } });
        if (response.status !== 200) figures.acknowledgedLost += 1;
        await response.arrayBuffer();
      }
      // And by List once the read model caught up: once each.
      await until(async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);
      const listed: string[] = [];
      let pageToken = '';
      do {
        const response = await fetch(`${url}/v1/projects?pageSize=1000&filter=${encodeURIComponent('title >= "kill-"')}${pageToken === '' ? '' : `&pageToken=${encodeURIComponent(pageToken)}`}`, { headers: { authorization, connection: 'close' } });
        const page = (await response.json()) as { projects?: { name: string }[]; nextPageToken?: string };
        listed.push(...(page.projects ?? []).map((project) => project.name));
        pageToken = page.nextPageToken ?? '';
      } while (pageToken !== '');
      const names = new Set(listed);
      for (const name of acknowledged.values()) if (!names.has(name)) figures.acknowledgedLost += 1;
      // A retry cut by the kill may have landed once; no request may have landed twice.
      const titles = new Map<string, number>();
      for (const name of listed) titles.set(name, (titles.get(name) ?? 0) + 1);
      figures.duplicated += [...titles.values()].filter((count) => count > 1).length;
      // The watcher reconnected by itself and caught up.
      await until(() => [...acknowledged.values()].every((name) => watcher.resources.has(name)), 30_000);
      figures.missingFromWatcher = [...acknowledged.values()].filter((name) => !watcher.resources.has(name)).length;
      process.stdout.write(`  kill ${round}/${KILLS}: ${acked} acknowledged this round, ${acknowledged.size} in all\r`);
    }
    figures.acknowledged = acknowledged.size;
    figures.watcherConsistencyErrors = watcher.stats.consistencyErrors;
  } finally {
    await watcher.stop();
    await stopKeystreamChild(child, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
  process.stdout.write('\n');
  return figures;
}

async function cutAndResume(): Promise<Record<string, number>> {
  const harness = await startGatewayHarness({ retention: { maxEntries: 100_000 } });
  const figures = { cuts: 0, resumes: 0, hardResets: 0, changesSeen: 0, duplicates: 0, gaps: 0, consistencyErrors: 0 };
  const documents = 50;
  const counters = new Map<string, number>();
  const watcher = new CollectionWatcher({ url: harness.wsUrl, method: 'WatchGroups', singular: 'group' });
  watcher.on('error', () => undefined);
  // Per document, the last counter this client was sent; a resumed stream must only move forward.
  const lastSeen = new Map<string, number>();
  let resetsSeen = 0;
  watcher.on('change', (change: { name: string; resource?: Record<string, unknown> }) => {
    const counter = Number((change.resource?.['description'] as string | undefined)?.slice(1) ?? Number.NaN);
    figures.changesSeen += 1;
    if (!Number.isNaN(counter)) {
      const previous = lastSeen.get(change.name);
      // After a hard reset the snapshot legitimately repeats the current version.
      if (previous !== undefined && counter <= previous && resetsSeen === watcher.stats.hardResets) figures.duplicates += 1;
      lastSeen.set(change.name, counter);
    }
    resetsSeen = watcher.stats.hardResets;
  });
  await watcher.start();
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const id = Math.floor(Math.random() * documents);
      const name = `groups/g${id}`;
      const counter = (counters.get(name) ?? 0) + 1;
      counters.set(name, counter);
      await harness.fixture.write([{ kind: 'Group', name, document: { displayName: `g${id}`, description: `v${counter}` } }]);
      await sleep(Math.random() < 0.5 ? 0 : 2);
    }
  })();
  try {
    for (let cut = 0; cut < CUTS; cut += 1) {
      await sleep(Math.floor(Math.random() * 15));
      const connects = watcher.stats.connects;
      watcher.cut();
      figures.cuts += 1;
      await until(() => watcher.stats.connects > connects && watcher.cache.isSynced, 10_000);
      if (cut % 50 === 0) process.stdout.write(`  cut ${cut}/${CUTS}\r`);
    }
  } finally {
    writing = false;
    await writer;
  }
  // Caught up: the cache equals the store, document by document.
  const stored = new Map((await harness.fixture.store.query('Group', {})).documents.map((document) => [document.name, document.document['description']]));
  await until(() => [...stored].every(([name, description]) => watcher.resources.get(name)?.['description'] === description), 10_000);
  for (const [name, description] of stored) if (watcher.resources.get(name)?.['description'] !== description) figures.gaps += 1;
  figures.resumes = watcher.stats.resumes;
  figures.hardResets = watcher.stats.hardResets;
  figures.consistencyErrors = watcher.stats.consistencyErrors;
  await watcher.stop();
  await harness.close();
  process.stdout.write('\n');
  return figures;
}

/**
 * 50 clients each add 10 to a counter label by read-modify-write, sending the resource_version
 * they read; a refused write (ABORTED) is read again and retried. Every increment must land.
 */
async function readModifyWrite(): Promise<Record<string, number>> {
  const directory = mkdtempSync(path.join(tmpdir(), 'keystream-battery-rmw-'));
  const child = await startKeystreamChild(directory);
  const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}`;
  const headers = { authorization, 'content-type': 'application/json' };
  const figures = { clients: 50, incrementsEach: 10, aborted: 0, lostUpdates: 0 };
  try {
    const created = (await (await fetch(`${child.url}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ title: 'counter', metadata: { labels: { n: '0' } } }) })).json()) as { name: string };
    const increment = async (): Promise<void> => {
      for (;;) {
        const current = (await (await fetch(`${child.url}/v1/${created.name}`, { headers })).json()) as { metadata: { labels: Record<string, string>; resourceVersion: string } };
        const next = String(Number(current.metadata.labels['n']) + 1);
        const answer = await fetch(`${child.url}/v1/${created.name}?updateMask=metadata.labels`, {
          method: 'PUT',
          headers,
          body: JSON.stringify({ name: created.name, metadata: { labels: { n: next }, resourceVersion: current.metadata.resourceVersion } }),
        });
        await answer.arrayBuffer();
        if (answer.status === 200) return;
        if (answer.status !== 409) throw new Error(`update answered ${answer.status}`);
        figures.aborted += 1;
      }
    };
    await Promise.all(
      Array.from({ length: figures.clients }, async () => {
        for (let index = 0; index < figures.incrementsEach; index += 1) await increment();
      }),
    );
    const final = (await (await fetch(`${child.url}/v1/${created.name}`, { headers })).json()) as { metadata: { labels: Record<string, string> } };
    figures.lostUpdates = figures.clients * figures.incrementsEach - Number(final.metadata.labels['n']);
  } finally {
    await stopKeystreamChild(child, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
  return figures;
}

async function concurrentStarts(): Promise<Record<string, number>> {
  const directory = mkdtempSync(path.join(tmpdir(), 'keystream-battery-lock-'));
  let started = 0;
  let refusedWith75 = 0;
  const children: KeystreamChild[] = [];
  try {
    await Promise.all(
      Array.from({ length: STARTS }, async () => {
        try {
          children.push(await startKeystreamChild(directory, {}, 60_000));
          started += 1;
        } catch (error) {
          const refused = (error as { refused?: { status: number | string } }).refused;
          if (refused?.status === 75) refusedWith75 += 1;
        }
      }),
    );
    // A second wave while the first holds the directory.
    const late = await runKeystreamExpectingExit(directory).catch(() => ({ status: -1 }));
    if (late.status === 75) refusedWith75 += 1;
    else started += 1;
  } finally {
    await Promise.all(children.map((child) => stopKeystreamChild(child, 'SIGKILL')));
    rmSync(directory, { recursive: true, force: true });
  }
  return { attempts: STARTS + 1, started, refusedWith75, instancesBeyondTheFirst: Math.max(0, started - 1) };
}

const cpu = cpus();
console.log(`reliability battery — ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}`);
const kill = await killDuringBursts();
console.log(`SIGKILL during a write burst × ${kill['rounds']}, watcher attached: ${JSON.stringify(kill)}`);
const cut = await cutAndResume();
console.log(`watch cut and resumed × ${cut['cuts']}: ${JSON.stringify(cut)}`);
const rmw = await readModifyWrite();
console.log(`read-modify-write with resource_version: ${JSON.stringify(rmw)}`);
const starts = await concurrentStarts();
console.log(`instances on one data directory: ${JSON.stringify(starts)}`);
const bad = (kill['acknowledgedLost'] ?? 0) + (kill['duplicated'] ?? 0) + (kill['missingFromWatcher'] ?? 0) + (kill['watcherConsistencyErrors'] ?? 0) + (cut['duplicates'] ?? 0) + (cut['gaps'] ?? 0) + (cut['consistencyErrors'] ?? 0) + (starts['instancesBeyondTheFirst'] ?? 0) + (rmw['lostUpdates'] ?? 0);
console.log(bad === 0 ? 'all figures 0' : `${bad} failures`);
process.exit(bad === 0 ? 0 : 1);
