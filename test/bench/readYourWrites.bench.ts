/**
 * Read-your-writes through HTTP: a client creates a group, then Lists groups with the create's
 * `x-keystream-min-position`, one after the other, against a real `keystream start`. Prints the
 * List's latency (the wait for the projector plus the query) next to a List without the position,
 * for one process and for the projector in a process of its own (`KEYSTREAM_PROCESSES`).
 *
 *   tsx --conditions=keystream-source test/bench/readYourWrites.bench.ts [writes, default 300]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';

const WRITES = Number(process.argv[2] ?? 300);

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? Number.NaN;
}

function summary(label: string, samples: number[]): string {
  samples.sort((a, b) => a - b);
  return `${label.padEnd(44)} p50 ${percentile(samples, 0.5).toFixed(2).padStart(6)} ms  p99 ${percentile(samples, 0.99).toFixed(2).padStart(6)} ms`;
}

async function measure(processes: string): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'keystream-ryw-bench-'));
  const child = await startKeystreamChild(directory, { KEYSTREAM_PROCESSES: processes }, 60_000, [], 'built');
  try {
    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}`;
    const headers = { authorization, 'content-type': 'application/json' };
    const withPosition: number[] = [];
    const without: number[] = [];
    let missed = 0;
    for (let index = 0; index < WRITES; index += 1) {
      const created = await fetch(`${child.url}/v1/groups`, { method: 'POST', headers, body: JSON.stringify({ displayName: `ryw ${index}` }) });
      if (created.status !== 200) throw new Error(`create answered ${created.status}: ${await created.text()}`);
      const { name } = (await created.json()) as { name: string };
      const position = created.headers.get('x-keystream-min-position') ?? '';
      // Newest first, one item: the create just made is the page when the read model has it.
      const query = `${child.url}/v1/groups?pageSize=1&orderBy=${encodeURIComponent('metadata.createTime desc')}`;
      let started = performance.now();
      const listed = (await (await fetch(query, { headers: { authorization, 'x-keystream-min-position': position } })).json()) as { groups?: { name: string }[] };
      withPosition.push(performance.now() - started);
      if (listed.groups?.[0]?.name !== name) throw new Error(`a List with the create's position did not return it (${name})`);
      started = performance.now();
      const plain = (await (await fetch(query, { headers: { authorization } })).json()) as { groups?: { name: string }[] };
      without.push(performance.now() - started);
      if (plain.groups?.[0]?.name !== name) missed += 1;
    }
    console.log(summary(`processes ${processes}: List with the create's position`, withPosition));
    console.log(`${summary(`processes ${processes}: the same List, no position`, without)}  (${missed}/${WRITES} answered without the create)`);
  } finally {
    await stopKeystreamChild(child);
    rmSync(directory, { recursive: true, force: true });
  }
}

console.log(`read-your-writes through HTTP, ${WRITES} sequential create → List pairs — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, node ${process.version}`);
for (const processes of ['1', '2']) await measure(processes);
