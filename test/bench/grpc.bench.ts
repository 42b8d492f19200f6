/**
 * gRPC beside REST and WebSockets, in one run against one `keystream start` child (embedded
 * stores, its default spread over processes), printed, not asserted:
 *
 *   npx tsx --conditions=keystream-source test/bench/grpc.bench.ts [--quick]
 *
 *   - Create and Get: requests/s and p50/p99 at 16 concurrent callers, over REST (HTTP/1.1
 *     keep-alive, a connection per caller) and over gRPC (an HTTP/2 channel per caller, the
 *     generated protos via proto-loader), in ABBA order (p50/p99: the worse of the two halves).
 *     Connections of either kind are spread over `keystream start`'s processes (KEYSTREAM_PROCESSES,
 *     `auto`: the cores); `--one-channel` puts every gRPC caller on one channel, which one process serves;
 *   - watch fan-out: W gRPC server streams and W WebSocket watches (WatchGroups, stateless) are
 *     opened and send their snapshots (the time until all are current is printed); then the same
 *     groups are created, and create→delivery latency p50/p99 is given per transport.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { WatchSocket } from '@keystream/client';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { OWN_CONNECTION, serverStream, serviceClient, unaryCall, type GrpcMessage } from '../support/grpcClient.js';
import { grpcAddressOf, startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';

const quick = process.argv.includes('--quick');
const oneChannel = process.argv.includes('--one-channel');
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

/** Runs `total` calls of `one` with `concurrency` callers (`caller`: which one calls); each call's latency in ms. */
async function load(total: number, concurrency: number, one: (index: number, caller: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, caller) => {
      while (next < total) {
        const index = next;
        next += 1;
        const at = performance.now();
        await one(index, caller);
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
    const address = await grpcAddressOf(child);
    const token = await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN);
    const headers = { authorization: `Bearer ${token}` };
    const groups = serviceClient('GroupService', address);
    clients.push(groups);
    // A channel per caller, each on a connection of its own, as REST's agent keeps a socket per caller.
    const channels = oneChannel ? [groups] : Array.from({ length: CONCURRENCY }, () => serviceClient('GroupService', address, OWN_CONNECTION));
    if (!oneChannel) clients.push(...channels);
    const channelOf = (caller: number): grpc.Client => channels[caller % channels.length] as grpc.Client;
    process.stdout.write(`gRPC vs REST, keystream start (embedded stores, KEYSTREAM_PROCESSES=${process.env['KEYSTREAM_PROCESSES'] ?? 'auto'}), ${CONCURRENCY} concurrent callers on ${oneChannel ? 'one gRPC channel' : 'a gRPC channel each'}, ${REQUESTS} requests each\n`);

    // Warm both paths (JIT, connections) before measuring.
    await load(100, CONCURRENCY, () => restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: 'warm' }), headers).then(() => undefined));
    await load(100, CONCURRENCY, (_, caller) => unaryCall(channelOf(caller), 'CreateGroup', { group: { displayName: 'warm' } }, headers).then(() => undefined));

    // ABBA order (REST, gRPC, gRPC, REST, quarter of the requests each) so a store that grows or a
    // machine that warms up weighs on both transports alike.
    const abba = async (rest: (index: number) => Promise<void>, overGrpc: (index: number, caller: number) => Promise<void>): Promise<[Figures, Figures]> => {
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
      (index, caller) => unaryCall(channelOf(caller), 'CreateGroup', { group: { displayName: `grpc ${index}` } }, headers).then(() => undefined),
    );
    const sample = (JSON.parse(await restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName: 'read me' }), headers)) as { name: string }).name;
    const [restGet, grpcGet] = await abba(
      () => restCall(agent, `${child.url}/v1/${sample}`, 'GET', undefined, headers).then(() => undefined),
      (_, caller) => unaryCall(channelOf(caller), 'GetGroup', { name: sample }, headers).then(() => undefined),
    );
    process.stdout.write(`${[line('Create REST', restCreate), line('Create gRPC', grpcCreate), line('Get REST', restGet), line('Get gRPC', grpcGet)].join('\n')}\n`);

    // Fan-out: the same changes to W gRPC streams and W WebSocket watches at once.
    const created = new Map<string, number>();
    const latencies = { grpc: [] as number[], websocket: [] as number[] };
    // A watch first sends the groups that exist (thousands, after the runs above): a change is
    // timed only once every watch has said it is current, or the snapshot's drain is measured.
    let currentWatches = 0;
    const watchOpenedAt = performance.now();
    const observe = (transport: 'grpc' | 'websocket', message: GrpcMessage, watch: { current: boolean }): void => {
      const now = performance.now();
      if (!watch.current && message['isCurrent'] === true) {
        watch.current = true;
        currentWatches += 1;
      }
      for (const change of (message['groupChanges'] as GrpcMessage[] | undefined) ?? []) {
        // Keyed by display name, known before the create is sent: a change may arrive before its create's answer.
        const displayName = (change['current'] as { group?: { displayName?: string } } | undefined)?.group?.displayName;
        const sentAt = displayName === undefined ? undefined : created.get(displayName);
        if (sentAt !== undefined) latencies[transport].push(now - sentAt);
      }
    };
    const streams = Array.from({ length: WATCHERS }, () => serverStream(groups, 'WatchGroups', { type: 'STATELESS' }, headers));
    for (const stream of streams) {
      const watch = { current: false };
      stream.call.on('data', (message: GrpcMessage) => {
        observe('grpc', message, watch);
      });
    }
    const socketCount = Math.max(1, Math.ceil(WATCHERS / 10));
    const sockets = await Promise.all(Array.from({ length: socketCount }, () => WatchSocket.connect(`${child.url.replace(/^http/, 'ws')}/v1/watch`, headers)));
    for (let index = 0; index < WATCHERS; index += 1) {
      const watch = { current: false };
      (sockets[index % socketCount] as WatchSocket).watch('WatchGroups', { type: 'STATELESS' }, { onResponse: (response) => {
        observe('websocket', response, watch);
      }, onError: () => undefined });
    }
    const snapshotDeadline = Date.now() + 120_000;
    while (currentWatches < 2 * WATCHERS && Date.now() < snapshotDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
    process.stdout.write(`watch snapshots: ${String(currentWatches)}/${String(2 * WATCHERS)} watches current after ${((performance.now() - watchOpenedAt) / 1000).toFixed(1)} s (every group so far, to each)\n`);
    for (let index = 0; index < CHANGES; index += 1) {
      const displayName = `fan-out ${String(index)}`;
      created.set(displayName, performance.now());
      await restCall(agent, `${child.url}/v1/groups`, 'POST', JSON.stringify({ displayName }), headers);
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
