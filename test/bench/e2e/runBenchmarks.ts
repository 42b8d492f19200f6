/**
 * The end-to-end benchmarks (`npm run bench`): a real `keystream start` on a temporary data
 * directory, loaded from outside the way a user would, each figure printed beside the raw ceiling
 * measured in the same run, as the table of issue 16; the table and the machine it ran on are
 * written to docs/performance.md.
 *
 *   npm run bench -- [--duration S] [--quick] [--events N] [--no-write]
 *
 * --duration: seconds of each wrk run (default 10; --quick 4). --events: events seeded for the
 * rebuild and the relay catch-up (default 20 000; --quick 5 000). --no-write: print only.
 * Needs `wrk` (Debian package `wrk`). The relay row needs a broker in KEYSTREAM_TEST_KAFKA_BROKERS.
 * The watch rows come from test/bench/watchFanout.bench.ts when it exists (run with --quick when
 * this is; its scenario lines, or table rows of five cells, are taken over).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_DEV_ADMIN, embeddedIndexes, loadConfig, mintDevToken } from '@keystream/keystream';
import { buildCheckout, startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../../support/keystreamProcess.js';
import { seedProjects } from '../../support/seedProjects.js';
import { fanoutRows as fanoutRowsOf } from './fanoutRows.js';
import { formatRate, formatRatio, parseTableRows, renderTable, type PerformanceRow } from './performanceTable.js';
import { rawDurablePutRate, startHelloServer } from './rawCeilings.js';
import { runOpenConnectionsLoad, type OpenLoadResult, type OpenLoadRun } from './openConnectionsLoad.js';
import { getScript, processCpuSeconds, runWrk, uniquePostScript, wrkVersion, type WrkResult, type WrkRun } from './wrk.js';
import { sumByProcess } from '../../support/metricsText.js';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
function flag(name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!(value > 0)) throw new Error(`${name} needs a positive number`);
  return value;
}
const duration = flag('--duration', quick ? 4 : 10);
const seededEvents = flag('--events', quick ? 5_000 : 20_000);
const write = !argv.includes('--no-write');
const CLIENTS = 64;
const WRK_THREADS = 2;
const FANOUT_BENCH = path.join(repositoryRoot, 'test/bench/watchFanout.bench.ts');
const PROJECTOR_REPLAY_BENCH = path.join(repositoryRoot, 'services/projector/src/bench/projectorReplay.bench.ts');
const RELAY_BENCH = path.join(repositoryRoot, 'services/relay/src/bench/relay.bench.ts');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * A wrk result and, for keystream, the server's CPU time per request during the run and the share
 * of the run its main thread was busy (event loop utilization, from /metrics).
 */
type Measured = WrkResult & { readonly serverCpuUsPerRequest?: number; readonly mainThreadBusy?: ReadonlyMap<string, number> };

function describe(result: Measured): string {
  const failures = result.non2xx + result.socketErrors > 0 ? `, ${result.non2xx} non-2xx, ${result.socketErrors} socket errors` : '';
  const cpu = result.serverCpuUsPerRequest === undefined ? '' : `, server CPU ${result.serverCpuUsPerRequest.toFixed(0)} µs/request`;
  const busy = result.mainThreadBusy === undefined || result.mainThreadBusy.size === 0 ? '' : `, main thread busy ${describeBusy(result.mainThreadBusy)}`;
  return `${formatRate(result.perSecond)}/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms${failures}${cpu}${busy}`;
}

/** Each process's busy share (`92 %`, or `api,gateway 92 %, projector,replica,gateway 61 %`). */
function describeBusy(busy: ReadonlyMap<string, number>): string {
  return [...busy].map(([process, share]) => `${process === '' ? '' : `${process} `}${(share * 100).toFixed(0)} %`).join(', ');
}

/**
 * The main thread's busy seconds so far of each process of a keystream server, from its /metrics
 * (every process's series, labelled with its roles; '' for a server of one process).
 */
async function mainThreadBusySeconds(serverUrl: string): Promise<Map<string, number>> {
  return sumByProcess(await (await fetch(`${serverUrl}/metrics`)).text(), 'keystream_event_loop_busy_seconds_total');
}

/** The steady state on connections already open (openConnectionsLoad.ts), as a clause of a row's figure. */
function describeSteady(result: OpenLoadResult): string {
  const failures = result.non2xx > 0 ? `, ${result.non2xx} non-2xx` : '';
  return `on connections already open: ${formatRate(result.perSecond)}/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms${failures}`;
}

/** Runs the open-connections client with the run's settings and logs what it measured. */
async function steadyState(run: Omit<OpenLoadRun, 'connections' | 'seconds'>): Promise<OpenLoadResult> {
  log(`  the same on ${CLIENTS} connections opened and answered once before timing, ${duration} s`);
  const result = await runOpenConnectionsLoad({ ...run, connections: CLIENTS, seconds: duration });
  log(`  ${describeSteady(result)}`);
  return result;
}

/** Runs wrk against a keystream child and reads the server's CPU time and main-thread busy time around it. */
async function measured(child: KeystreamChild, run: WrkRun): Promise<Measured> {
  const pid = child.process.pid;
  const before = processCpuSeconds(pid);
  const busyBefore = await mainThreadBusySeconds(child.url);
  const started = performance.now();
  const result = await runWrk(run);
  const wallSeconds = (performance.now() - started) / 1000;
  const busyAfter = await mainThreadBusySeconds(child.url);
  const after = processCpuSeconds(pid);
  if (result.requests === 0) return result;
  return {
    ...result,
    ...(before === undefined || after === undefined ? {} : { serverCpuUsPerRequest: ((after - before) / result.requests) * 1e6 }),
    mainThreadBusy: new Map([...busyAfter].filter(([process]) => busyBefore.has(process)).map(([process, seconds]) => [process, (seconds - (busyBefore.get(process) ?? 0)) / wallSeconds])),
  };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A dev-issuer token of the bootstrap administrator for a data directory (made before the server starts). */
async function adminHeaders(dataDirectory: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}` };
}

/** Runs `work` against a `keystream start` child; `spawnedAt` is the clock (performance.now) when it was spawned. */
async function withKeystream<T>(dataDirectory: string, environment: Record<string, string>, work: (child: KeystreamChild, spawnedAt: number) => Promise<T>): Promise<T> {
  const spawnedAt = performance.now();
  const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_LOG_LEVEL: 'warn', ...environment }, 180_000, [], 'built');
  try {
    return await work(child, spawnedAt);
  } finally {
    await stopKeystreamChild(child);
  }
}

/** Polls `done` every 20 ms until it holds or `timeoutMs` passes; returns the seconds waited. */
async function until(done: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return (performance.now() - started) / 1000;
}

/** Creates and Get through HTTP at 64 clients with wrk. */
async function httpFigures(scratch: string): Promise<{ creates: Measured; gets: Measured; steadyCreates: OpenLoadResult; steadyGets: OpenLoadResult; startupSeconds: number }> {
  const dataDirectory = path.join(scratch, 'http');
  const headers = await adminHeaders(dataDirectory);
  return withKeystream(dataDirectory, {}, async (child, spawnedAt) => {
    const startupSeconds = (performance.now() - spawnedAt) / 1000;
    const created = await json(`${child.url}/v1/groups`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'get target' }) });
    if (created.status !== 200) throw new Error(`a create answered ${created.status}: ${JSON.stringify(created.body)}`);
    log(`creates: wrk -t${WRK_THREADS} -c${CLIENTS} -d${duration}s POST /v1/groups (unique display names)`);
    const creates = await measured(child, {
      url: `${child.url}/v1/groups`,
      script: uniquePostScript(headers, '{"displayName":"bench {{id}}","description":"created by the end-to-end benchmark {{id}}"}'),
      connections: CLIENTS,
      threads: WRK_THREADS,
      seconds: duration,
      directory: scratch,
      name: 'creates',
    });
    log(`  ${describe(creates)}`);
    const steadyCreates = await steadyState({ url: `${child.url}/v1/groups`, method: 'POST', headers, bodyTemplate: '{"displayName":"steady {{id}}","description":"created by the end-to-end benchmark {{id}}"}' });
    log(`gets: wrk -t${WRK_THREADS} -c${CLIENTS} -d${duration}s GET /v1/${String(created.body['name'])}`);
    const gets = await measured(child, { url: `${child.url}/v1/${String(created.body['name'])}`, script: getScript(headers), connections: CLIENTS, threads: WRK_THREADS, seconds: duration, directory: scratch, name: 'gets' });
    log(`  ${describe(gets)}`);
    const steadyGets = await steadyState({ url: `${child.url}/v1/${String(created.body['name'])}`, method: 'GET', headers });
    return { creates, gets, steadyCreates, steadyGets, startupSeconds };
  });
}

/** A catch-up figure: events per second, and the times it is made of. */
interface CatchUp {
  /** Undefined when start-up variance swamps the work (see catchUp). */
  readonly perSecond: number | undefined;
  /** From spawning `keystream start` until the work was complete. */
  readonly totalSeconds: number;
  /** What start-up alone took (an empty data directory, same run), taken off the total. */
  readonly startupSeconds: number;
}

/**
 * The catch-up rate, or undefined when the work took less than a quarter of the time from spawn:
 * start-up varies by more than that between runs here, so the difference would be noise (an
 * earlier version reported a rate from a tenth of the total instead, which was meaningless).
 */
function catchUp(events: number, totalSeconds: number, startupSeconds: number): CatchUp {
  const working = totalSeconds - startupSeconds;
  return { perSecond: working >= totalSeconds / 4 ? events / working : undefined, totalSeconds, startupSeconds };
}

function describeCatchUp(result: CatchUp): string {
  const times = `${seededEvents} events; ${result.totalSeconds.toFixed(2)} s from spawn, less ${result.startupSeconds.toFixed(2)} s start-up of an empty server`;
  return result.perSecond === undefined ? `not separable from start-up in this run (${times}); see the component row` : `${formatRate(result.perSecond)} events/s (${times})`;
}

/**
 * Runs a component bench script (`services/<name>/src/bench/<file>.ts`, from the repository root)
 * as built (its `dist/bench/<file>.js`, like the server) and returns the line matching `line`.
 */
function componentLine(script: string, args: readonly string[], line: RegExp): Promise<string> {
  return componentLines(script, args, [line]).then(([found]) => found as string);
}

/** Like {@link componentLine}, one line per pattern (each must be printed). */
function componentLines(script: string, args: readonly string[], lines: readonly RegExp[]): Promise<string[]> {
  buildCheckout();
  const built = script.replace('/src/bench/', '/dist/bench/').replace(/\.ts$/u, '.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [built, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const found = lines.map((line) => text.split('\n').find((candidate) => line.test(candidate))?.trim());
      const missing = lines.filter((_, index) => found[index] === undefined);
      if (code === 0 && missing.length === 0) resolve(found as string[]);
      else reject(new Error(`${script} ended with ${String(code)} without a line matching ${missing.map(String).join(', ')}:\n${text}`));
    });
  });
}

/**
 * Read-model rebuild: a log of N events written before the start, timed from spawning
 * `keystream start` until a List counts every project, less the start-up time of the same command
 * on an empty data directory in this run (the projector starts before the listener, so the
 * rebuild cannot be timed from "serving").
 */
async function rebuildFigure(scratch: string, startupSeconds: number): Promise<CatchUp> {
  const dataDirectory = path.join(scratch, 'rebuild');
  await seedProjects(path.join(dataDirectory, 'events'), seededEvents);
  const headers = await adminHeaders(dataDirectory);
  return withKeystream(dataDirectory, {}, async (child, spawnedAt) => {
    await until(
      async () => {
        const list = await json(`${child.url}/v1/projects?page_size=1&include_paging_info=true`, { headers });
        return list.body['totalResultsCount'] === seededEvents;
      },
      600_000,
      'the rebuild',
    );
    return catchUp(seededEvents, (performance.now() - spawnedAt) / 1000, startupSeconds);
  });
}

/** Messages on a topic: the sum of its partitions' high watermarks (0 while it does not exist). */
async function topicMessages(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Kafka relay catch-up: a log of N events written before the start, `keystream start` with the
 * relay on a fresh topic (the projector rebuilds at the same time, as on any first start), timed
 * from spawn until the topic holds every event, less the empty server's start-up.
 */
async function relayFigure(scratch: string, brokers: readonly string[], startupSeconds: number): Promise<CatchUp> {
  const dataDirectory = path.join(scratch, 'relay');
  await seedProjects(path.join(dataDirectory, 'events'), seededEvents);
  const topic = `keystream-bench-${randomUUID()}`;
  const environment = { KEYSTREAM_KAFKA_BROKERS: brokers.join(','), KEYSTREAM_KAFKA_TOPIC: topic, KEYSTREAM_KAFKA_PARTITIONS: '3', KEYSTREAM_KAFKA_REPLICATION: '1' };
  return withKeystream(dataDirectory, environment, async (_child, spawnedAt) => {
    await until(async () => (await topicMessages(brokers, topic)) >= seededEvents, 600_000, 'the relay catch-up');
    return catchUp(seededEvents, (performance.now() - spawnedAt) / 1000, startupSeconds);
  });
}

/** Runs the watch fan-out bench when present; its output and the rows it printed. */
async function fanoutRows(): Promise<{ rows: PerformanceRow[]; note: string; output: string }> {
  if (!existsSync(FANOUT_BENCH)) return { rows: [], note: 'not measured: test/bench/watchFanout.bench.ts is not in this checkout', output: '' };
  log(`watch fan-out: ${path.relative(repositoryRoot, FANOUT_BENCH)}${quick ? ' --quick' : ''}`);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', FANOUT_BENCH, ...(quick ? ['--quick'] : [])], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(text);
      else reject(new Error(`the watch fan-out bench exited ${String(code)}`));
    });
  });
  // Rows it prints as a table of five cells, else its own scenario lines.
  const tableRows = parseTableRows(output);
  const rows = tableRows.length > 0 ? tableRows : fanoutRowsOf(output);
  return { rows, note: rows.length > 0 ? '' : 'the watch fan-out bench printed no figures this harness can read (its output is below)', output };
}

function machineNotes(load: readonly number[], wrk: string): string[] {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
    `- load average at start (1/5/15 min): ${load.map((value) => value.toFixed(2)).join(' / ')}`,
    `- node ${process.version}, ${wrk}, commit ${commit}`,
    `- settings: HTTP edge ${process.env['KEYSTREAM_HTTP_EDGE'] ?? 'node'} (KEYSTREAM_HTTP_EDGE), processes ${process.env['KEYSTREAM_PROCESSES'] ?? 'auto'} (KEYSTREAM_PROCESSES), wrk ${WRK_THREADS} threads, ${CLIENTS} connections, ${duration} s per run; ${seededEvents} events seeded for the rebuild and the relay${quick ? '; --quick' : ''}`,
  ];
}

async function main(): Promise<void> {
  const load = os.loadavg();
  // The servers and component scripts run built (keystreamProcess.ts): built here, before any timing.
  buildCheckout();
  const wrk = await wrkVersion();
  if (wrk === undefined) throw new Error('wrk is not installed: apt-get install wrk (Debian), then run again');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'keystream-e2e-bench-'));
  const rows: PerformanceRow[] = [];
  const notes: string[] = [];
  try {
    log(`raw LMDB durable puts, ${CLIENTS} writers, ${duration} s`);
    const rawPuts = await rawDurablePutRate(CLIENTS, duration);
    log(`  ${formatRate(rawPuts)}/s`);
    log(`raw uWS "hello": wrk -t${WRK_THREADS} -c${CLIENTS} -d${duration}s`);
    const hello = await startHelloServer(repositoryRoot);
    let helloResult: WrkResult;
    try {
      helloResult = await runWrk({ url: hello.url, script: getScript({}), connections: CLIENTS, threads: WRK_THREADS, seconds: duration, directory: scratch, name: 'hello' });
    } finally {
      hello.stop();
    }
    log(`  ${describe(helloResult)}`);

    const { creates, gets, steadyCreates, steadyGets, startupSeconds } = await httpFigures(scratch);
    log(`start-up of an empty server: ${startupSeconds.toFixed(2)} s`);
    rows.push({
      figure: `creates/s at ${CLIENTS} clients (wrk), p99`,
      measured: `${describe(creates)}; ${describeSteady(steadyCreates)}`,
      ceiling: `raw LMDB durable puts, ${CLIENTS} writers: ${formatRate(rawPuts)}/s`,
      ratio: formatRatio(creates.perSecond, rawPuts),
      goal: '≥ 10k/s, p99 < 20 ms, ≥ 50 % of raw durable puts',
    });
    rows.push({
      figure: `authenticated Get at ${CLIENTS} clients (wrk)`,
      measured: `${describe(gets)}; ${describeSteady(steadyGets)}`,
      ceiling: `raw uWS "hello": ${describe(helloResult)}`,
      ratio: formatRatio(gets.perSecond, helloResult.perSecond),
      goal: '≥ 25 % of the hello ceiling, p99 < 5 ms',
    });

    const fanout = await fanoutRows();
    if (fanout.rows.length > 0) rows.push(...fanout.rows);
    else rows.push({ figure: 'write → watch frame, watch memory', measured: fanout.note, ceiling: '—', ratio: '—', goal: 'p99 < 25 ms (1k watchers) … < 100 ms (10k); < 10 KiB RSS per idle watch' });

    log(`read-model rebuild of ${seededEvents} events`);
    const rebuild = await rebuildFigure(scratch, startupSeconds);
    log(`  ${describeCatchUp(rebuild)}`);
    rows.push({
      figure: `read-model rebuild (${seededEvents} events, from start to complete List)`,
      measured: describeCatchUp(rebuild),
      ceiling: '—',
      ratio: '—',
      goal: '≥ 50k events/s',
    });

    // The projector alone, replaying the same number of events with the default batch limits (512,
    // and 2048 while catching up, which a replay is), maintaining the indexes the server's read model keeps.
    const indexFile = path.join(scratch, 'server-indexes.json');
    await writeFile(indexFile, JSON.stringify(embeddedIndexes()));
    const replay = await componentLine(PROJECTOR_REPLAY_BENCH, [String(seededEvents), '--indexes', indexFile], /^replay, batches of 512 \(2048 while catching up, the default\):/);
    log(`  projector alone: ${replay}`);
    rows.push({ figure: `read-model rebuild, projector alone (${path.relative(repositoryRoot, PROJECTOR_REPLAY_BENCH)})`, measured: replay.replace(/^replay, /, ''), ceiling: '—', ratio: '—', goal: '≥ 50k events/s' });

    const brokers = process.env['KEYSTREAM_TEST_KAFKA_BROKERS']?.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
    if (brokers === undefined || brokers.length === 0) {
      rows.push({ figure: 'Kafka relay catch-up', measured: 'not measured: KEYSTREAM_TEST_KAFKA_BROKERS is not set (no broker)', ceiling: '—', ratio: '—', goal: '≥ 50k events/s' });
    } else {
      log(`Kafka relay catch-up of ${seededEvents} events (projector rebuilding alongside)`);
      const relay = await relayFigure(scratch, brokers, startupSeconds);
      log(`  ${describeCatchUp(relay)}`);
      rows.push({
        figure: `Kafka relay catch-up (${seededEvents} events, projector rebuilding alongside)`,
        measured: describeCatchUp(relay),
        ceiling: '—',
        ratio: '—',
        goal: '≥ 50k events/s',
      });
      const [alone, kafkajsAlone] = (await componentLines(RELAY_BENCH, [String(seededEvents)], [/^relay → .*events\/s/, /^kafkajs alone, .*events\/s/])) as [string, string];
      log(`  relay alone: ${alone}`);
      log(`  ${kafkajsAlone}`);
      const relayRate = Number(/= (\d+) events\/s/.exec(alone)?.[1]);
      const ceilingRate = Number(/: (\d+) events\/s$/.exec(kafkajsAlone)?.[1]);
      rows.push({
        figure: `Kafka relay catch-up, relay alone (${path.relative(repositoryRoot, RELAY_BENCH)})`,
        measured: alone.replace(/^.*?: /, '').replace(/; acks=all.*$/, ')'),
        ceiling: `kafkajs alone producing the same messages (made beforehand, same producer settings and request sizes): ${formatRate(ceilingRate)} events/s`,
        ratio: formatRatio(relayRate, ceilingRate),
        goal: '≥ 50k events/s',
      });
    }

    const table = renderTable(rows);
    console.log(table);
    const machine = machineNotes(load, wrk);
    console.log(machine.join('\n'));
    if (fanout.output !== '') notes.push('## Watch fan-out bench output', '', '```', fanout.output.trimEnd(), '```', '');
    if (write) {
      const document = [
        '# Performance',
        '',
        'Written by `npm run bench` (test/bench/e2e/runBenchmarks.ts): a real `keystream start` on a',
        'temporary data directory, loaded from other processes (wrk for HTTP), every figure next to the',
        'raw ceiling measured in the same run. The machine is shared and small, so compare ratios, not',
        'absolute rates, across runs; the load average at start says how busy it was.',
        '',
        table,
        '',
        '## Machine',
        '',
        ...machine,
        '',
        '## How each figure is measured',
        '',
        '- the server: the build, as `npm start` runs it (`tsc -b` before any timing), not the source through tsx;',
        '  the component rows run their built scripts too (docs/development.md says why).',
        '- server CPU per request: user + system time of the `keystream start` process and its children during the wrk run',
        '  (from /proc) divided by the requests answered: comparable across runs where rates are not.',
        '- creates: `wrk` POSTs `/v1/groups` with a unique display name per request (Lua script), as the',
        '  bootstrap administrator, durable acknowledgement (`KEYSTREAM_DURABILITY=flush`, the default).',
        '- raw LMDB durable puts: 64 concurrent writers, one ~600-byte put per write transaction, each',
        '  acknowledged once its commit is flushed: the event store\'s own storage engine, nothing else.',
        '- Get: `wrk` GETs one group by name with the administrator\'s bearer token.',
        '- "on connections already open" (creates and Get): the same requests from test/bench/e2e/openConnectionsLoad.ts,',
        '  a Node client in its own process that opens the 64 connections, has each answered once, then times a closed loop',
        '  per connection. wrk times each connection\'s first request from its connect, and a busy Node server accepts one',
        '  connection per event-loop turn (libuv/libuv#3696), so its 64th connection waits about half a second: wrk\'s p99',
        '  of a 10 s run is mostly that ramp. The second figure is what a client with a warm connection pool sees.',
        '- raw uWS "hello": a bare uWebSockets.js app answering "hello", in its own process.',
        '- rebuild: a log of ProjectCreated events written before the start; from spawning `keystream start`',
        '  until a List counts every project, less the start-up of the same command on an empty data',
        '  directory measured in the same run (the projector starts before the listener).',
        '- relay: the same log, `keystream start` with `KEYSTREAM_KAFKA_BROKERS` on a fresh 3-partition',
        '  topic; from spawn until the topic\'s offsets hold every event, less the empty start-up. The projector rebuilds at the',
        '  same time, as on any first start. When the work takes under a quarter of the time from spawn, start-up variance swamps it',
        '  and no rate is given for the row. The component rows time the projector alone (projectorReplay.bench.ts, the default',
        '  batches: 2048 events while catching up, as a replay does; maintaining the server\'s indexes) and the relay alone (relay.bench.ts) on the same number of events, in the same run;',
        '  the relay\'s ceiling is kafkajs alone producing the same CloudEvents (binary mode, nine headers each), made beforehand, with',
        '  the relay\'s producer settings (idempotent, acks=all, one request in flight) and request sizes, to a fresh topic.',
        '- watch rows: test/bench/watchFanout.bench.ts (a separate Node client process, stateless',
        '  WatchGroups over WebSockets, open-loop writes through HTTP); its lines for this checkout are',
        '  taken over: frame latency, the write ack p99 as a multiple of the no-watcher one, RSS growth per idle watch',
        '  over all the watches and over the second half alone (opened once the first half synced: what one more costs).',
        '- the read model at 1M documents (List pages, deep pages, counts, memory, restart, apply with',
        '  indexes) takes long to seed, so it is its own bench: test/bench/readModelScale.bench.ts; its',
        '  latest figures are in docs/stores.md, "The embedded read model at scale".',
        '',
        ...notes,
      ].join('\n');
      await writeFile(path.join(repositoryRoot, 'docs/performance.md'), document);
      log('wrote docs/performance.md');
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
