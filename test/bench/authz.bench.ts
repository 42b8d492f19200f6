/**
 * Authorization benchmarks (issue 7), printed, not asserted.
 *
 *   npx tsx --conditions=keystream-source test/bench/authz.bench.ts [--quick]
 *
 * - In process: decisions/s and p99 of the evaluator over an index of 10,000 role bindings and
 *   1,000 groups (nested three deep) in 300 projects under a three-level organization tree; cold
 *   (the cache dropped before every decision, as after an authorization-relevant event) and warm.
 * - Over HTTP: the same Get served by one process through the authorizing dispatcher (bearer token
 *   verified, index caught up with the event log, decision) and straight through the resource
 *   dispatcher (no authentication); the ratio of their throughputs is the cost of security.
 */
import http from 'node:http';
import os from 'node:os';
import { Authorizer, AuthzIndex, type Principal } from '@keystream/authz';
import { startHttpServer } from '@keystream/service-api';
import { startAuthTestWorld } from '@keystream/keystream/testing';

const quick = process.argv.includes('--quick');
const P = 'services/iam.edgelq.com/permissions';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A deterministic pseudo-random sequence, so runs are comparable. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

let position = 0;
function event(kind: string, resource: Record<string, unknown>): { stream: string; type: string; data: Record<string, unknown>; position: string } {
  position += 1;
  return { stream: `${kind}-${resource['name'] as string}`, type: `${kind}Created`, data: { resource }, position: position.toString(16).padStart(16, '0') };
}

function buildIndex(): { index: AuthzIndex; users: number; projects: string[]; permissions: string[] } {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const index = new AuthzIndex();
  const permissions = Array.from({ length: 200 }, (_unused, i) => `${P}/collection${i % 20}.verb${Math.floor(i / 20)}`);
  for (let role = 0; role < 30; role += 1) {
    index.apply(event('Role', { name: `services/iam.edgelq.com/roles/bench${role}`, grants: [{ permissions: Array.from({ length: 10 + (role % 40) }, () => pick(permissions)) }] }));
  }
  const organizations: string[] = [];
  for (let root = 0; root < 5; root += 1) {
    const rootName = `organizations/r${root}`;
    index.apply(event('Organization', { name: rootName }));
    for (let mid = 0; mid < 4; mid += 1) {
      const midName = `organizations/r${root}m${mid}`;
      index.apply(event('Organization', { name: midName, ancestryPath: [rootName] }));
      for (let leaf = 0; leaf < 3; leaf += 1) {
        const leafName = `organizations/r${root}m${mid}l${leaf}`;
        index.apply(event('Organization', { name: leafName, ancestryPath: [rootName, midName] }));
        organizations.push(leafName);
      }
    }
  }
  const projects = Array.from({ length: 300 }, (_unused, i) => `projects/bp${i}`);
  for (const project of projects) {
    const leaf = pick(organizations);
    const parts = leaf.split('/')[1] as string;
    const root = `organizations/${parts.slice(0, 2)}`;
    const mid = `organizations/${parts.slice(0, 4)}`;
    index.apply(event('Project', { name: project, ancestryPath: [root, mid, leaf] }));
  }
  const users = 20_000;
  const groups = Array.from({ length: 1000 }, (_unused, i) => `projects/bp${i % 300}/groups/g${i}`);
  const groupEmail = (group: string): string => `${group.split('/')[3] as string}@${group.split('/')[1] as string}.groups.iam.edgelq.com`;
  let member = 0;
  for (const [i, group] of groups.entries()) {
    // Nesting: every group but the first hundred is a member of an earlier group (depth up to ~3).
    if (i >= 100) index.apply(event('GroupMember', { name: `${pick(groups.slice(0, i))}/groupMembers/n${i}`, member: `group:${groupEmail(group)}` }));
    for (let k = 0; k < 10; k += 1) index.apply(event('GroupMember', { name: `${group}/groupMembers/m${member++}`, member: `user:u${Math.floor(next() * users)}@bench.test` }));
  }
  for (let binding = 0; binding < 10_000; binding += 1) {
    const toGroup = next() < 0.3;
    const scope = next() < 0.15 ? pick(organizations) : pick(projects);
    index.apply(
      event('RoleBinding', {
        name: `${scope}/roleBindings/b${binding}`,
        role: `services/iam.edgelq.com/roles/bench${binding % 30}`,
        member: toGroup ? `group:${groupEmail(pick(groups))}` : `user:u${Math.floor(next() * users)}@bench.test`,
      }),
    );
  }
  return { index, users, projects, permissions };
}

async function decisions(): Promise<void> {
  const built = buildIndex();
  const authorizer = new Authorizer(built.index);
  const next = random(11);
  const count = quick ? 20_000 : 200_000;
  const requests = Array.from({ length: count }, () => ({
    principal: { kind: 'user', email: `u${Math.floor(next() * 2000)}@bench.test`, issuer: 'bench' } satisfies Principal,
    permission: built.permissions[Math.floor(next() * built.permissions.length)] as string,
    scope: built.projects[Math.floor(next() * built.projects.length)] as string,
  }));
  for (const [label, cold] of [
    ['cold (cache dropped before each decision)', true],
    ['warm (per-principal cache)', false],
  ] as const) {
    const latencies: number[] = [];
    let allowed = 0;
    const started = process.hrtime.bigint();
    for (const request of requests) {
      // A generation bump is what an authorization-relevant event does to every cache.
      if (cold) built.index.apply(event('Condition', { name: 'conditions/bench-bump' }));
      const t0 = process.hrtime.bigint();
      if ((await authorizer.check(request)).allowed) allowed += 1;
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    console.log(
      `${`decisions, ${label}`.padEnd(58)} ${(count / seconds).toFixed(0).padStart(8)} /s   p50 ${(percentile(latencies, 50) * 1000).toFixed(1)} µs   p99 ${(percentile(latencies, 99) * 1000).toFixed(1)} µs   (${((allowed / count) * 100).toFixed(1)} % allowed)`,
    );
  }
  console.log(`  index: ${built.index.bindingCount} role bindings, 1000 groups, 300 projects, 65 organizations, 20000 users`);
}

function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { agent, headers }, (response) => {
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
      });
    });
    request.on('error', reject);
    request.end();
  });
}

async function load(url: string, headers: Record<string, string>, total: number, clients: number): Promise<{ perSecond: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let issued = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (issued < total) {
        issued += 1;
        const t0 = process.hrtime.bigint();
        const status = await get(agent, url, headers);
        if (status !== 200) throw new Error(`GET ${url} answered ${status}`);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p99: percentile(latencies, 99) };
}

async function httpOverhead(): Promise<void> {
  const world = await startAuthTestWorld();
  const token = await world.token('admin@keystream.local');
  await world.call('CreateProject', { project: { name: 'projects/bench', title: 'bench' } }, token);
  await world.settle();
  const logger = {
    error: (details: Record<string, unknown>, message: string) => {
      console.error(message, details);
    },
  };
  const authorized = await startHttpServer('127.0.0.1', 0, { dispatcher: world.dispatcher.dispatch, logger });
  const bare = await startHttpServer('127.0.0.1', 0, { dispatcher: world.unauthenticatedDispatch, logger });
  try {
    const total = quick ? 3000 : 10_000;
    const path = '/v1/projects/bench';
    await load(`http://127.0.0.1:${bare.port}${path}`, {}, 500, 16);
    await load(`http://127.0.0.1:${authorized.port}${path}`, { authorization: `Bearer ${token}` }, 500, 16);
    // Alternating rounds, medians: the two servers share the process and the machine's noise.
    const rounds = quick ? 1 : 5;
    const withoutRounds: { perSecond: number; p99: number }[] = [];
    const withRounds: { perSecond: number; p99: number }[] = [];
    for (let round = 0; round < rounds; round += 1) {
      withoutRounds.push(await load(`http://127.0.0.1:${bare.port}${path}`, {}, total, 16));
      withRounds.push(await load(`http://127.0.0.1:${authorized.port}${path}`, { authorization: `Bearer ${token}` }, total, 16));
    }
    const median = (results: { perSecond: number; p99: number }[]): { perSecond: number; p99: number } =>
      [...results].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(results.length / 2)] as { perSecond: number; p99: number };
    const without = median(withoutRounds);
    const withAuth = median(withRounds);
    console.log(`  HTTP: median of ${rounds} alternating rounds of ${total} GETs each`);
    console.log(`${'GET project, no authentication (16 clients)'.padEnd(58)} ${without.perSecond.toFixed(0).padStart(8)} req/s   p99 ${without.p99.toFixed(2)} ms`);
    console.log(`${'GET project, bearer token + authorization (16 clients)'.padEnd(58)} ${withAuth.perSecond.toFixed(0).padStart(8)} req/s   p99 ${withAuth.p99.toFixed(2)} ms`);
    console.log(`${'  throughput ratio auth / none'.padEnd(58)} ${(withAuth.perSecond / without.perSecond).toFixed(3).padStart(8)}   (time per request × ${(without.perSecond / withAuth.perSecond).toFixed(2)})`);
  } finally {
    await authorized.close(0);
    await bare.close(0);
    await world.close();
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`keystream authorization benchmark — ${cpu}, ${os.cpus().length} cores, node ${process.version}${quick ? ' (quick)' : ''}`);
await decisions();
await httpOverhead();
