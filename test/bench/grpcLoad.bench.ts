/**
 * The gRPC edge under load from a load generator in its own process (ghz, a Go gRPC load tool),
 * with `keystream start` in one process and over the cores (its replica children serving their
 * share of the gRPC connections). Printed, not asserted:
 *
 *   npx tsx --conditions=keystream-source test/bench/grpcLoad.bench.ts [--seconds=10] [--connections=16] [--callers=64]
 *
 * Each variant runs twice in ABBA order (KEYSTREAM_PROCESSES=1, auto, auto, 1) on a fresh data
 * directory: GetGroup of one group, then CreateGroup with a new display name per call, each for
 * `--seconds`, `--callers` concurrent calls over `--connections` HTTP/2 connections. A process of
 * `auto` serves only once its replica says it takes connections, so the run waits for /metrics to
 * show every process first.
 *
 * Needs ghz on PATH (or in GHZ): `go install github.com/bojand/ghz/cmd/ghz@v0.93.0` from the Go
 * module proxy, then `$(go env GOPATH)/bin` on PATH. Without it, it says so and measures nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { buildCheckout, grpcAddressOf, startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';
import { untilProcessesShow } from '../support/metricsText.js';

const run = promisify(execFile);
const { values: flags } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '16' }, callers: { type: 'string', default: '64' } } });
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
const CALLERS = Number(flags.callers);
const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const PROTO_ROOT = path.join(repositoryRoot, 'docs/proto');

/** What one ghz run measured. Latencies in milliseconds. */
interface GhzFigures {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  /** Calls that did not answer OK, by status (ghz cancels the calls in flight when the time is up: Unavailable, up to one per caller). */
  readonly failed: Readonly<Record<string, number>>;
}

interface GhzReport {
  readonly rps: number;
  readonly statusCodeDistribution?: Record<string, number>;
  readonly latencyDistribution?: readonly { readonly percentage: number; readonly latency: number }[] | null;
}

/** Where ghz is, or undefined when it is not installed. */
function ghzPath(): string | undefined {
  const candidates = [process.env['GHZ'], ...(process.env['PATH'] ?? '').split(path.delimiter).map((directory) => path.join(directory, 'ghz')), path.join(os.homedir(), 'go/bin/ghz')];
  return candidates.find((candidate) => candidate !== undefined && candidate !== '' && existsSync(candidate));
}

async function ghz(binary: string, address: string, call: string, data: string, token: string): Promise<GhzFigures> {
  const { stdout } = await run(binary, [
    '--insecure', '--import-paths', PROTO_ROOT, '--proto', path.join(PROTO_ROOT, 'ntt/iam/v1/iam.proto'),
    '--call', call, '-d', data, '-m', JSON.stringify({ authorization: `Bearer ${token}` }),
    '--connections', String(CONNECTIONS), '-c', String(CALLERS), '-z', `${String(SECONDS)}s`, '--format', 'json', address,
  ], { maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(stdout) as GhzReport;
  const latency = (percentage: number): number => (report.latencyDistribution ?? []).find((entry) => entry.percentage === percentage)?.latency ?? Number.NaN;
  const { OK: ok = 0, ...failed } = report.statusCodeDistribution ?? {};
  return { perSecond: report.rps, p50Ms: latency(50) / 1e6, p99Ms: latency(99) / 1e6, ok, failed };
}

const describe = (figures: GhzFigures): string => {
  const failed = Object.entries(figures.failed).map(([status, count]) => `${status} ${String(count)}`).join(', ');
  return `${figures.perSecond.toFixed(0).padStart(6)} calls/s   p50 ${figures.p50Ms.toFixed(1).padStart(6)} ms   p99 ${figures.p99Ms.toFixed(1).padStart(6)} ms   (${String(figures.ok)} OK${failed === '' ? '' : `; ${failed}`})`;
};

async function variant(binary: string, processes: string): Promise<{ get: GhzFigures; create: GhzFigures; processCount: number }> {
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'keystream-grpc-load-'));
  const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_GRPC_PORT: 'auto', KEYSTREAM_PROCESSES: processes }, 60_000, [], 'built');
  try {
    const address = await grpcAddressOf(child);
    // The banner lists the children, one line each.
    const processCount = 1 + (child.stderr().match(/: a process of its own \(pid/g)?.length ?? 0);
    const serving = await untilProcessesShow(async () => (await fetch(`${child.url}/metrics`)).text(), processCount);
    if (serving.length < processCount) throw new Error(`only ${String(serving.length)} of ${String(processCount)} processes answered within 30 s`);
    const token = await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN);
    const created = await fetch(`${child.url}/v1/groups`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'read me' }) });
    const name = ((await created.json()) as { name: string }).name;
    const get = await ghz(binary, address, 'ntt.iam.v1.GroupService.GetGroup', JSON.stringify({ name }), token);
    const create = await ghz(binary, address, 'ntt.iam.v1.GroupService.CreateGroup', JSON.stringify({ group: { display_name: 'load {{.RequestNumber}}' } }), token);
    return { get, create, processCount };
  } finally {
    await stopKeystreamChild(child);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const binary = ghzPath();
  if (binary === undefined) {
    // Said, not failed: `npm run bench:components` runs every bench, and this one alone needs ghz.
    process.stdout.write('gRPC load: not measured, ghz is not installed (go install github.com/bojand/ghz/cmd/ghz@v0.93.0, then put $(go env GOPATH)/bin on PATH or set GHZ)\n');
    return;
  }
  buildCheckout();
  process.stdout.write(`gRPC load (ghz, its own process): ${String(CALLERS)} callers over ${String(CONNECTIONS)} connections, ${String(SECONDS)} s per run — ${String(os.availableParallelism())} × ${os.cpus()[0]?.model ?? 'CPU'}, node ${process.version}, load average ${os.loadavg().map((load) => load.toFixed(2)).join(' / ')}\n`);
  for (const processes of ['1', 'auto', 'auto', '1']) {
    const { get, create, processCount } = await variant(binary, processes);
    const label = `KEYSTREAM_PROCESSES=${processes} (${String(processCount)} process${processCount === 1 ? '' : 'es'})`;
    process.stdout.write(`  ${label.padEnd(40)} GetGroup    ${describe(get)}\n`);
    process.stdout.write(`  ${''.padEnd(40)} CreateGroup ${describe(create)}\n`);
  }
}

await main();
