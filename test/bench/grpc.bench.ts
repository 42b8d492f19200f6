/**
 * gRPC beside REST and WebSockets, in one run against one `keystream start` child process
 * (embedded stores), printed, not asserted:
 *
 *   npx tsx --conditions=keystream-source test/bench/grpc.bench.ts [--quick]
 *
 *   - Create and Get: requests/s and p50/p99 at 16 concurrent callers, over REST (HTTP/1.1
 *     keep-alive) and over gRPC (one HTTP/2 channel, the generated protos via proto-loader), in
 *     ABBA order (p50/p99: the worse of the two halves);
 *   - watch fan-out: the same groups created while W gRPC server streams and W WebSocket watches
 *     (WatchGroups, stateless) are open; create→delivery latency p50/p99 per transport.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { WatchSocket } from '@keystream/client';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { serverStream, serviceClient, unaryCall, type GrpcMessage } from '../support/grpcClient.js';
import { startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';

const quick = process.argv.includes('--quick');
const CONCURRENCY = 16;
const REQUESTS = quick ? 400 : 3000;
const WATCHERS = quick ? 20 : 100;
const CHANGES = quick ? 50 : 200;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

interface Figures {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `total` calls of `one` with `concurrency` callers; each call's latency in ms. */
async function load(total: number, concurrency: number, one: (index: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const index = next;
        next += 1;
        const at = performance.now();
        await one(index);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

function restCall(agent: http.Agent, url: string, method: string, body: string | undefined, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method, agent, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        if ((response.statusCode ?? 0) >= 300) reject(new Error(`${method} ${url}: ${String(response.statusCode)} ${text}`));
        else resolve(text);
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const line = (label: string, figures: Figures): string => `  ${label.padEnd(16)} ${figures.perSecond.toFixed(0).padStart(6)} req/s   p50 ${figures.p50.toFixed(2).padStart(7)} ms   p99 ${figures.p99.toFixed(2).padStart(7)} ms`;

async function main(): Promise<void> {
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'keystream-grpc-bench-'));
  const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_GRPC_PORT: 'auto' }, 30_000, [], 'built');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const clients: grpc.Client[] = [];
  try {
    const grpcMatch = /gRPC: (\S+)/.exec(child.stderr());
    if (grpcMatch === null) throw new Error(`no gRPC address in the banner:\n${child.stderr()}`);
    const address = grpcMatch[1] as string;
    const token = await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN);
    const headers = { authorization: `Bearer ${token}` };
    const groups = serviceClient('GroupService', address);
    clients.push(groups);
    process.stdout.write(`gRPC vs REST, one keystream process (embedded stores), ${CONCURRENCY} concurrent callers, ${REQUESTS} requests each\n`);

    // Warm both paths (JIT, connections) before measuring.
    await load(100, CONCURRENCY, () => restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: 'warm' }), headers).then(() => undefined));
    await load(100, CONCURRENCY, () => unaryCall(groups, 'CreateGroup', { group: { displayName: 'warm' } }, headers).then(() => undefined));

    // ABBA order (REST, gRPC, gRPC, REST, quarter of the requests each) so a store that grows or a
    // machine that warms up weighs on both transports alike.
    const abba = async (rest: (index: number) => Promise<void>, overGrpc: (index: number) => Promise<void>): Promise<[Figures, Figures]> => {
      const quarter = Math.floor(REQUESTS / 4);
      const parts = { rest: [] as Figures[], grpc: [] as Figures[] };
      for (const transport of ['rest', 'grpc', 'grpc', 'rest'] as const) parts[transport].push(await load(quarter, CONCURRENCY, transport === 'rest' ? rest : overGrpc));
      const merge = (figures: Figures[]): Figures => ({
        perSecond: figures.length / figures.reduce((total, part) => total + 1 / part.perSecond, 0),
        p50: Math.max(...figures.map((part) => part.p50)),
        p99: Math.max(...figures.map((part) => part.p99)),
      });
      return [merge(parts.rest), merge(parts.grpc)];
    };
    const [restCreate, grpcCreate] = await abba(
      (index) => restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: `rest ${index}` }), headers).then(() => undefined),
      (index) => unaryCall(groups, 'CreateGroup', { group: { displayName: `grpc ${index}` } }, headers).then(() => undefined),
    );
    const sample = (JSON.parse(await restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: 'read me' }), headers)) as { name: string }).name;
    const [restGet, grpcGet] = await abba(
      () => restCall(agent, `${child.url}/v1/${sample}`, 'GET', undefined, headers).then(() => undefined),
      () => unaryCall(groups, 'GetGroup', { name: sample }, headers).then(() => undefined),
    );
    process.stdout.write(`${[line('Create REST', restCreate), line('Create gRPC', grpcCreate), line('Get REST', restGet), line('Get gRPC', grpcGet)].join('\n')}\n`);

    // Fan-out: the same changes to W gRPC streams and W WebSocket watches at once.
    const created = new Map<string, number>();
    const latencies = { grpc: [] as number[], websocket: [] as number[] };
    const observe = (transport: 'grpc' | 'websocket', message: GrpcMessage): void => {
      const now = performance.now();
      for (const change of (message['groupChanges'] as GrpcMessage[] | undefined) ?? []) {
        const name = (change['current'] as { group?: { name?: string } } | undefined)?.group?.name;
        const sentAt = name === undefined ? undefined : created.get(name);
        if (sentAt !== undefined) latencies[transport].push(now - sentAt);
      }
    };
    const streams = Array.from({ length: WATCHERS }, () => serverStream(groups, 'WatchGroups', { type: 'STATELESS' }, headers));
    for (const stream of streams) stream.call.on('data', (message: GrpcMessage) => {
      observe('grpc', message);
    });
    const socketCount = Math.max(1, Math.ceil(WATCHERS / 10));
    const sockets = await Promise.all(Array.from({ length: socketCount }, () => WatchSocket.connect(`${child.url.replace(/^http/, 'ws')}/v1/watch`, headers)));
    for (let index = 0; index < WATCHERS; index += 1) {
      (sockets[index % socketCount] as WatchSocket).watch('WatchGroups', { type: 'STATELESS' }, { onResponse: (response) => {
        observe('websocket', response);
      }, onError: () => undefined });
    }
    // Let every watch deliver its first progress message before the measured changes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (let index = 0; index < CHANGES; index += 1) {
      const sentAt = performance.now();
      const answer = JSON.parse(await restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: `fan-out ${index}` }), headers)) as { name: string };
      created.set(answer.name, sentAt);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const expected = CHANGES * WATCHERS;
    const deadline = Date.now() + 30_000;
    while ((latencies.grpc.length < expected || latencies.websocket.length < expected) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const stream of streams) stream.call.cancel();
    await Promise.all(sockets.map((socket) => socket.close()));
    process.stdout.write(`watch fan-out: ${CHANGES} creates (REST, ~10 ms apart) to ${WATCHERS} watches per transport, create sent → change received\n`);
    for (const transport of ['grpc', 'websocket'] as const) {
      const sorted = [...latencies[transport]].sort((a, b) => a - b);
      process.stdout.write(`  ${(transport === 'grpc' ? 'gRPC streams' : 'WebSockets').padEnd(16)} ${sorted.length}/${expected} delivered   p50 ${percentile(sorted, 0.5).toFixed(1)} ms   p99 ${percentile(sorted, 0.99).toFixed(1)} ms   max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms\n`);
    }
  } finally {
    for (const client of clients) client.close();
    agent.destroy();
    await stopKeystreamChild(child);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

await main();
