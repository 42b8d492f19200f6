/**
 * HTTP benchmarks of the whole service (issue 5), printed, not asserted.
 *
 *   npx tsx --conditions=keystream-source test/bench/api.bench.ts [--quick]
 *
 * The server runs as a real `keystream start` child process on the embedded default; the load
 * comes from this process over loopback with keep-alive connections. Figures:
 *   - ceiling: a bare uWebSockets.js "hello" server, same client, same machine;
 *   - Create at 1 and 64 concurrent clients (requests/s, p50/p99), Get p50/p99;
 *   - read-your-writes delay under sustained writes (List with x-keystream-min-position);
 *   - replay: a fresh projector rebuilding the read model from N events (events/s);
 *   - List with a 3-clause filter and a non-name sort over that collection (p50/p99).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';
import { seedProjects } from '../support/seedProjects.js';

const quick = process.argv.includes('--quick');
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Credentials of the bootstrap administrator (a development-issuer token), set once the data directory exists. */
let credentials: Record<string, string> = {};

function request(agent: http.Agent, url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method, agent, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...credentials, ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface LoadResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `operation` from `concurrency` clients for `count` operations in all; latencies in ms. */
async function load(concurrency: number, count: number, operation: (index: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const begin = performance.now();
        await operation(index);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function show(label: string, result: LoadResult): void {
  console.log(`${label.padEnd(52)} ${result.perSecond.toFixed(0).padStart(7)} req/s   p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms`);
}

/** A bare uWS server answering "hello", in a child process like keystream. */
async function helloCeiling(agent: http.Agent, concurrency: number, count: number): Promise<LoadResult> {
  const script = `
    const { createRequire } = require('node:module');
    const uws = require('@trufflesuite/uws-js-unofficial');
    uws.App().any('/*', (res) => { res.end('hello'); }).listen('127.0.0.1', 0, (socket) => {
      process.stdout.write(String(uws.us_socket_local_port(socket)) + '\\n');
    });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.join(repositoryRoot, 'services/api'), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => {
      resolve(Number(chunk.toString().trim()));
    });
  });
  try {
    return await load(concurrency, count, async () => {
      await request(agent, `http://127.0.0.1:${port}/hello`, 'GET');
    });
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`keystream API benchmark — ${cpu}, ${os.cpus().length} cores, node ${process.version}${quick ? ' (quick)' : ''}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const writes = quick ? 2_000 : 10_000;
  const seeded = quick ? 20_000 : 100_000;

  const ceiling = await helloCeiling(agent, 64, writes * 2);
  show('uWS "hello" ceiling, 64 clients', ceiling);

  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'keystream-bench-'));
  credentials = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}` };
  try {
    await seedProjects(path.join(dataDirectory, 'events'), seeded);
    const replayStarted = performance.now();
    const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_LOG_LEVEL: 'warn' }, 120_000, [], 'built');
    try {
      const url = child.url;
      // Replay: the projector starts from zero on the seeded log; wait until it has everything.
      for (;;) {
        const answer = await request(agent, `${url}/v1/projects?page_size=1&include_paging_info=true`, 'GET');
        if ((JSON.parse(answer.body) as { totalResultsCount?: number }).totalResultsCount === seeded) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const replaySeconds = (performance.now() - replayStarted) / 1000;
      console.log(`${`replay: rebuild read model from ${seeded} events`.padEnd(52)} ${(seeded / replaySeconds).toFixed(0).padStart(7)} events/s (incl. process start)`);

      const create = async (index: number): Promise<void> => {
        const answer = await request(agent, `${url}/v1/groups`, 'POST', JSON.stringify({ displayName: `g${index}` }));
        if (answer.status !== 200) throw new Error(`create answered ${answer.status}: ${answer.body}`);
      };
      const one = await load(1, Math.min(1000, writes), create);
      show('Create (Group) over HTTP, 1 client', one);
      const many = await load(64, writes, create);
      show('Create (Group) over HTTP, 64 clients', many);
      console.log(`${'  ratio to the uWS hello ceiling (64 clients)'.padEnd(52)} ${((many.perSecond / ceiling.perSecond) * 100).toFixed(1).padStart(6)} %`);

      const names: string[] = [];
      for (let index = 0; index < 200; index++) {
        const answer = await request(agent, `${url}/v1/groups`, 'POST', JSON.stringify({ displayName: `get-${index}` }));
        names.push((JSON.parse(answer.body) as { name: string }).name);
      }
      show(
        'Get (write model) , 16 clients',
        await load(16, 4000, async (index) => {
          await request(agent, `${url}/v1/${names[index % names.length] as string}`, 'GET');
        }),
      );

      // Read-your-writes delay: a write, then a List that must see it, while 32 clients keep writing.
      let writing = true;
      const background = Promise.all(
        Array.from({ length: 32 }, async (_unused, client) => {
          for (let index = 0; writing; index++) await create(client * 1_000_000 + index);
        }),
      );
      const delays: number[] = [];
      for (let index = 0; index < (quick ? 100 : 300); index++) {
        const written = await request(agent, `${url}/v1/groups`, 'POST', JSON.stringify({ displayName: `probe-${index}` }));
        const position = written.headers['x-keystream-min-position'] as string;
        const begin = performance.now();
        await request(agent, `${url}/v1/groups?page_size=1`, 'GET', undefined, { 'x-keystream-min-position': position });
        delays.push(performance.now() - begin);
      }
      writing = false;
      await background;
      delays.sort((a, b) => a - b);
      console.log(
        `${'read-your-writes List under 32 writing clients'.padEnd(52)}          p50 ${percentile(delays, 50).toFixed(2)} ms   p99 ${percentile(delays, 99).toFixed(2)} ms`,
      );

      // Two filters: equalities the embedded store narrows with its indexes, and one whose LIKE
      // clause matches only old documents, so a newest-first page must scan most of the kind.
      const filters = {
        '2 equalities': 'business_tier = SMALL AND metadata.labels.env = "prod"',
        '2 equalities + LIKE': 'business_tier = SMALL AND metadata.labels.env = "prod" AND title LIKE "project 1%"',
      };
      for (const [label, text] of Object.entries(filters)) {
        const filter = encodeURIComponent(text);
        const listResult = await load(4, 200, async () => {
          const answer = await request(agent, `${url}/v1/projects?filter=${filter}&order_by=${encodeURIComponent('metadata.create_time desc')}&page_size=50`, 'GET');
          if (answer.status !== 200) throw new Error(`list answered ${answer.status}: ${answer.body}`);
        });
        show(`List, ${label}, newest first, ${seeded} docs`, listResult);
      }
    } finally {
      await stopKeystreamChild(child);
    }
  } finally {
    agent.destroy();
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

await main();
