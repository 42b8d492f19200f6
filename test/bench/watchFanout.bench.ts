/**
 * Watch fan-out end to end (issue 16), printed, not asserted:
 *
 *   npx tsx --conditions=keystream-source test/bench/watchFanout.bench.ts [--quick] [--baseline=<checkout>]
 *
 * The server is a real `keystream start` child process (embedded stores, the built code as
 * `npm start` runs it, in the processes its default plan starts); the load comes from a separate Node process (this file with `--client`): it opens N
 * stateless WatchGroups watches over WebSockets (100 per socket, 25 principals — bootstrap
 * administrators with development tokens, so per-principal authorization runs for every change)
 * and updates groups through HTTP (PUT) at a fixed rate, open loop. Each write carries its send
 * time in `description`; the client reads it back from every frame. Figures per scenario:
 *   - write → watch frame latency p50/p99 over every (write, watcher) pair, and frames delivered;
 *   - write acknowledgement p50/p99 (HTTP answer), beside the same figure with no watchers;
 *   - server RSS per idle watch (RSS after the watches synced minus before they opened, / N), and
 *     the same over the second half of the watches alone (opened once the first half synced):
 *     what one more watch costs, without the heap growth the first snapshots' burst causes once.
 * Scenarios: no watchers, 10 writes/s; 1k and 3k watchers watching every group (10 groups), 10
 * writes/s (every write reaches every watcher); 10k watchers each filtering one of 100 groups
 * (`display_name`), 100 writes/s (each write reaches 100 watchers); no watchers at 100 writes/s.
 *
 * `--only=1,3` runs those scenarios (and the no-watcher one); `--profile=<dir>` writes the
 * server's CPU profiles there.
 *
 * `--baseline=<dir>` runs the same scenarios first against another checkout (e.g. main, with its
 * node_modules), so before and after are printed from one run on the same machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import WebSocket from 'ws';
import { descendantsOf } from './e2e/wrk.js';
import { keystreamCommand } from '../support/keystreamProcess.js';

const PRINCIPALS = 25;
const PER_SOCKET = 100;

interface Scenario {
  readonly label: string;
  readonly watchers: number;
  /** Groups written (round robin); with `filtered`, each watcher selects one of them. */
  readonly groups: number;
  readonly filtered: boolean;
  readonly rate: number;
}

interface ClientJob extends Scenario {
  readonly url: string;
  readonly tokens: readonly string[];
  readonly names: readonly string[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly serverPid: number;
}

interface ClientResult {
  readonly frameLatencies: { p50: number; p99: number; max: number };
  readonly delivered: number;
  readonly expected: number;
  readonly ack: { p50: number; p99: number };
  /** Server RSS growth over every watch opened, per watch. */
  readonly rssPerWatchKiB: number;
  /** Server RSS growth from opening the second half of the watches, per watch of that half. */
  readonly marginalRssPerWatchKiB: number;
  readonly syncSeconds: number;
}

const now = (): number => performance.timeOrigin + performance.now();

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Resident bytes of the server: the process started and its children (a replica holds half the watches). */
function rssOf(pid: number): number {
  let total = 0;
  for (const member of [pid, ...descendantsOf(pid)]) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      total += match === null ? 0 : Number(match[1]) * 1024;
    } catch {
      // Gone between the listing and the read.
    }
  }
  return total;
}

function call(agent: http.Agent, url: string, method: string, body: unknown, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method, agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }
}

/** The load client: runs in its own process, prints its result as one JSON line. */
async function client(job: ClientJob): Promise<ClientResult> {
  const wsUrl = `${job.url.replace(/^http/, 'ws')}/v1/watch`;
  const socketCount = Math.ceil(job.watchers / PER_SOCKET);
  const sockets: WebSocket[] = [];
  const latencies: number[] = [];
  let measuring = false;
  let synced = 0;
  const rssBefore = rssOf(job.serverPid);
  const openedAt = now();
  const stampPattern = /"description":"(\d+(?:\.\d+)?)"/g;
  const openSockets = async (from: number, to: number): Promise<void> => {
  for (let s = from; s < to; s += 1) {
    const token = job.tokens[s % job.tokens.length] as string;
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        resolve();
      });
      socket.once('error', reject);
    });
    const pendingSync = new Set<string>();
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (pendingSync.size > 0 && text.includes('"isCurrent":true')) {
        const id = (JSON.parse(text) as { id: string }).id;
        if (pendingSync.delete(id)) synced += 1;
      }
      if (text.includes('"error"')) throw new Error(`watch error: ${text.slice(0, 400)}`);
      if (!measuring) return;
      const arrived = now();
      for (const match of text.matchAll(stampPattern)) latencies.push(arrived - Number(match[1]));
    });
    const watches = Math.min(PER_SOCKET, job.watchers - s * PER_SOCKET);
    for (let w = 0; w < watches; w += 1) {
      const index = s * PER_SOCKET + w;
      const id = `w${index}`;
      pendingSync.add(id);
      const request: Record<string, unknown> = { type: 'STATELESS' };
      if (job.filtered) request['filter'] = `display_name = "bucket-${index % job.groups}"`;
      socket.send(JSON.stringify({ id, method: 'WatchGroups', request }));
    }
    sockets.push(socket);
  }
  };
  // Opened in two halves, RSS read after each: the average over all watches includes what grows
  // once (the server's heap spaces after the snapshots' burst); the second half's growth is what
  // each further watch costs.
  const firstHalf = Math.ceil(socketCount / 2);
  await openSockets(0, firstHalf);
  const firstWatchers = Math.min(job.watchers, firstHalf * PER_SOCKET);
  await until(() => synced === firstWatchers, 300_000, 'the first half of the watches synced');
  const firstSyncMs = now() - openedAt;
  // Let the snapshots' garbage go before RSS is read.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const rssHalf = rssOf(job.serverPid);
  const halfSyncedAt = now();
  await openSockets(firstHalf, socketCount);
  await until(() => synced === job.watchers, 300_000, 'every watch synced');
  const syncSeconds = (firstSyncMs + now() - halfSyncedAt) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const rssAll = rssOf(job.serverPid);
  const rssPerWatchKiB = job.watchers === 0 ? Number.NaN : (rssAll - rssBefore) / job.watchers / 1024;
  const marginalRssPerWatchKiB = job.watchers - firstWatchers <= 0 ? Number.NaN : (rssAll - rssHalf) / (job.watchers - firstWatchers) / 1024;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const acks: number[] = [];
  let sequence = 0;
  const write = async (record: boolean): Promise<void> => {
    const slot = sequence % job.groups;
    sequence += 1;
    const stamp = now();
    const answer = await call(agent, `${job.url}/v1/${job.names[slot] as string}`, 'PUT', { displayName: `bucket-${slot}`, description: String(stamp) }, job.tokens[0] as string);
    if (answer.status !== 200) throw new Error(`PUT answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    if (record) acks.push(now() - stamp);
  };
  const drive = async (seconds: number, record: boolean): Promise<number> => {
    const interval = 1000 / job.rate;
    const started = now();
    const inFlight: Promise<void>[] = [];
    let sent = 0;
    while (now() - started < seconds * 1000) {
      const due = Math.floor((now() - started) / interval) + 1;
      while (sent < due) {
        inFlight.push(write(record));
        sent += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, interval / 4)));
    }
    await Promise.all(inFlight);
    return sent;
  };
  await drive(job.warmupSeconds, false);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  measuring = true;
  const writes = await drive(job.seconds, true);
  const perWrite = job.watchers === 0 ? 0 : job.filtered ? job.watchers / job.groups : job.watchers;
  const expected = writes * perWrite;
  const deadline = Date.now() + 15_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  measuring = false;
  agent.destroy();
  for (const socket of sockets) socket.terminate();
  latencies.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return {
    frameLatencies: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN },
    delivered: latencies.length,
    expected,
    ack: { p50: percentile(acks, 0.5), p99: percentile(acks, 0.99) },
    rssPerWatchKiB,
    marginalRssPerWatchKiB,
    syncSeconds,
  };
}

/** Starts `keystream start` from the checkout at `root`; resolves once it serves. */
async function startServer(root: string, dataDirectory: string, admins: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  const profile = process.argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
  const profiling = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  // The build, as `npm start` runs it (keystreamProcess.ts says why not the source through tsx).
  const child = spawn(process.execPath, [...profiling, ...keystreamCommand('built', root), 'start'], {
    cwd: root,
    env: { ...process.env, KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'warn', KEYSTREAM_BOOTSTRAP_ADMIN: admins.join(',') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`keystream did not start:\n${stderr}`));
    }, 60_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /keystream is serving .* at (http:\/\/\S+)/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`keystream exited (${String(code)}):\n${stderr}`));
    });
  });
  return { url, child };
}

function runClient(job: ClientJob): Promise<ClientResult> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', self, '--client'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify(job));
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`the load client failed (${String(code)})`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as ClientResult);
    });
  });
}

async function runTarget(label: string, root: string, scenarios: readonly Scenario[], quick: boolean): Promise<Map<string, ClientResult>> {
  const results = new Map<string, ClientResult>();
  for (const scenario of scenarios) {
    // A fresh server per scenario: each starts from the same store and an empty heap.
    const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'keystream-fanout-bench-'));
    const emails = Array.from({ length: PRINCIPALS }, (_unused, index) => `watcher${index}@bench.test`);
    const server = await startServer(root, dataDirectory, [`user:${DEFAULT_DEV_ADMIN}`, ...emails.map((email) => `user:${email}`)]);
    try {
      const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory });
      const tokens = await Promise.all(emails.map((email) => mintDevToken(config, email, 3600)));
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      const names: string[] = [];
      for (let slot = 0; slot < scenario.groups; slot += 1) {
        const answer = await call(agent, `${server.url}/v1/groups`, 'POST', { displayName: `bucket-${slot}`, description: '0' }, tokens[0] as string);
        if (answer.status !== 200) throw new Error(`create answered ${answer.status}: ${answer.text}`);
        names.push((JSON.parse(answer.text) as { name: string }).name);
      }
      agent.destroy();
      const result = await runClient({ ...scenario, url: server.url, tokens, names, seconds: quick ? 4 : 12, warmupSeconds: quick ? 1 : 3, serverPid: server.child.pid as number });
      results.set(scenario.label, result);
      // NaN (no samples) comes back from the client's JSON as null.
      const f = (value: number | null): string => (value === null || Number.isNaN(value) ? '—' : value.toFixed(1)).padStart(7);
      console.log(
        `  ${label.padEnd(9)} ${scenario.label.padEnd(38)} frame p50 ${f(result.frameLatencies.p50)} ms  p99 ${f(result.frameLatencies.p99)} ms  max ${f(result.frameLatencies.max)} ms  ` +
          `(${result.delivered}/${result.expected})  ack p50 ${f(result.ack.p50)} ms  p99 ${f(result.ack.p99)} ms` +
          (scenario.watchers === 0 ? '' : `  RSS/idle watch ${result.rssPerWatchKiB.toFixed(1)} KiB, second half ${result.marginalRssPerWatchKiB.toFixed(1)} KiB  (sync ${result.syncSeconds.toFixed(1)} s)`),
      );
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('close', resolve));
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  }
  return results;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const baseline = process.argv.find((arg) => arg.startsWith('--baseline='))?.slice('--baseline='.length);
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const cpus = os.cpus();
  console.log(`watch fan-out, keystream start (embedded) + a separate Node load client — ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, node ${process.version}${quick ? ' (quick)' : ''}`);
  const scenarios: Scenario[] = [
    { label: 'no watchers, 10 writes/s', watchers: 0, groups: 10, filtered: false, rate: 10 },
    { label: '1k watchers (all), 10 writes/s', watchers: 1000, groups: 10, filtered: false, rate: 10 },
    { label: '3k watchers (all), 10 writes/s', watchers: 3000, groups: 10, filtered: false, rate: 10 },
    { label: '10k watchers (1 of 100), 100 writes/s', watchers: 10_000, groups: 100, filtered: true, rate: 100 },
    { label: 'no watchers, 100 writes/s', watchers: 0, groups: 100, filtered: true, rate: 100 },
  ];
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  // The no-watcher scenarios always run: every write ack is compared with the one at the same rate.
  const chosen = only === undefined ? scenarios : scenarios.filter((scenario, index) => scenario.watchers === 0 || only.split(',').includes(String(index)));
  const targets: [string, string][] = baseline === undefined ? [['this', root]] : [['baseline', path.resolve(baseline)], ['this', root]];
  const all = new Map<string, Map<string, ClientResult>>();
  for (const [label, directory] of targets) all.set(label, await runTarget(label, directory, chosen, quick));
  for (const [label, results] of all) {
    for (const scenario of chosen) {
      const idle = chosen.find((candidate) => candidate.watchers === 0 && candidate.rate === scenario.rate);
      const idleResult = idle === undefined ? undefined : results.get(idle.label);
      const result = results.get(scenario.label);
      if (scenario.watchers === 0 || idleResult === undefined || result === undefined) continue;
      console.log(`  ${label.padEnd(9)} ${scenario.label.padEnd(38)} write ack p99 ${(result.ack.p99 / idleResult.ack.p99).toFixed(2)}× the no-watcher p99 at the same rate`);
    }
  }
}

if (process.argv.includes('--client')) {
  let input = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) input += chunk as string;
  const result = await client(JSON.parse(input) as ClientJob);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
