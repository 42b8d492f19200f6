/**
 * GetPrincipal and WatchPrincipalUpdates fan-out (issue 12), printed, not asserted.
 *
 *   npx tsx --conditions=keystream-source test/bench/principals.bench.ts [--users=1000] [--watchers=8] [--quick]
 *
 * keystream runs as a real `keystream start` child process on the embedded default; the load
 * comes from this process over loopback. Setup: N users, all members of a group `inner` that is
 * itself a member of a group `outer`, and W watchers of WatchPrincipalUpdates (NDJSON). Figures:
 *   - GetPrincipal of the caller and by `principal_key_id` (a User): p50/p99 one at a time, and
 *     calls/s with 16 in flight;
 *   - the watch's first `is_current` (the snapshot of every user and key) for the W watchers;
 *   - fan-out: one RoleBinding written for `outer` re-sends all N users (through the nested group)
 *     to every watcher — write → last watcher complete, p50 over watchers, principals delivered/s;
 *   - one user joining `inner`: write → seen by every watcher.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RestClient } from '@keystream/client';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild } from '../support/keystreamProcess.js';

type Wire = Record<string, unknown>;

const quick = process.argv.includes('--quick');
function numberArg(name: string, fallback: number): number {
  const arg = process.argv.find((candidate) => candidate.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}
const USERS = numberArg('users', quick ? 200 : 1000);
const WATCHERS = numberArg('watchers', quick ? 2 : 8);
const SAMPLES = quick ? 200 : 1000;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

/** Runs `task(i)` for i in 0…count-1 with `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let index = next++; index < count; index = next++) await task(index);
    }),
  );
}

/** One WatchPrincipalUpdates stream read in the background: when each principal id arrived. */
class Watcher {
  readonly arrivals: { readonly id: string; readonly at: number }[] = [];
  firstCurrentAt: number | undefined;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(client: RestClient) {
    this.done = (async () => {
      try {
        for await (const response of client.stream('WatchPrincipalUpdates', {}, this.abort.signal)) {
          const at = performance.now();
          for (const principal of (response['currentPrincipals'] as Wire[] | undefined) ?? []) this.arrivals.push({ id: principal['principalKeyId'] as string, at });
          if (response['isCurrent'] === true && this.firstCurrentAt === undefined) this.firstCurrentAt = at;
        }
      } catch (error) {
        if (!this.abort.signal.aborted) throw error;
      }
    })();
  }

  /** The time by which every id in `ids` had arrived at or after `from`, or undefined. */
  completedAt(ids: ReadonlySet<string>, from: number): number | undefined {
    const missing = new Set(ids);
    for (let index = from; index < this.arrivals.length; index += 1) {
      const arrival = this.arrivals[index] as { id: string; at: number };
      missing.delete(arrival.id);
      if (missing.size === 0) return arrival.at;
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`principals benchmark — ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, node ${process.version}; ${USERS} users in a nested group, ${WATCHERS} watchers`);
  const dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'keystream-bench-principals-'));
  const child = await startKeystreamChild(dataDirectory, { KEYSTREAM_LOG_LEVEL: 'warn' }, 120_000, [], 'built');
  const watchers: Watcher[] = [];
  try {
    const admin = new RestClient({ baseUrl: child.url, headers: { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}` } });
    await admin.call('CreateProject', { project: { name: 'projects/bench', title: 'Bench', multiRegionPolicy: {} } });
    await admin.call('CreateGroup', { parent: 'projects/bench', group: { name: 'projects/bench/groups/outer', displayName: 'outer' } });
    await admin.call('CreateGroup', { parent: 'projects/bench', group: { name: 'projects/bench/groups/inner', displayName: 'inner' } });
    await admin.call('CreateGroupMember', { parent: 'projects/bench/groups/outer', groupMember: { name: 'projects/bench/groups/outer/groupMembers/inner', member: 'group:inner@bench.groups.iam.edgelq.com' } });
    const setupStart = performance.now();
    const userNames = new Set<string>();
    await pool(USERS, 16, async (index) => {
      const user = await admin.call('CreateUser', { user: { email: `user${index}@bench.example` } });
      userNames.add(user['name'] as string);
      await admin.call('CreateGroupMember', { parent: 'projects/bench/groups/inner', groupMember: { name: `projects/bench/groups/inner/groupMembers/u${index}`, member: `user:user${index}@bench.example` } });
    });
    console.log(`setup: ${USERS} users and ${USERS} memberships in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

    // GetPrincipal.
    const someUser = [...userNames][0] as string;
    for (const [label, request] of [['of the caller', {}], ['by principal_key_id', { principalKeyId: someUser }]] as const) {
      const latencies: number[] = [];
      for (let sample = 0; sample < SAMPLES; sample += 1) {
        const started = performance.now();
        await admin.call('GetPrincipal', request);
        latencies.push(performance.now() - started);
      }
      const concurrentStart = performance.now();
      await pool(SAMPLES, 16, () => admin.call('GetPrincipal', request));
      const perSecond = SAMPLES / ((performance.now() - concurrentStart) / 1000);
      console.log(`GetPrincipal ${label}: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms one at a time; ${perSecond.toFixed(0)} calls/s with 16 in flight`);
    }

    // Snapshot.
    const opened = performance.now();
    for (let index = 0; index < WATCHERS; index += 1) watchers.push(new Watcher(admin));
    await until(() => watchers.every((watcher) => watcher.firstCurrentAt !== undefined), 120_000, 'every snapshot');
    const snapshots = watchers.map((watcher) => (watcher.firstCurrentAt as number) - opened);
    console.log(`WatchPrincipalUpdates snapshot (${USERS} users and the keys): first is_current after p50 ${percentile(snapshots, 0.5).toFixed(0)} ms, last ${Math.max(...snapshots).toFixed(0)} ms (${WATCHERS} watchers opened at once)`);
    await until(() => watchers.every((watcher) => watcher.completedAt(userNames, 0) !== undefined), 120_000, 'every user in every snapshot');

    // Fan-out of one group binding through the nested group.
    const marks = watchers.map((watcher) => watcher.arrivals.length);
    const written = performance.now();
    await admin.call('CreateRoleBinding', { parent: 'projects/bench', roleBinding: { name: 'projects/bench/roleBindings/outer-viewer', role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'group:outer@bench.groups.iam.edgelq.com' } });
    await until(() => watchers.every((watcher, index) => watcher.completedAt(userNames, marks[index] as number) !== undefined), 120_000, 'the fan-out to every watcher');
    const complete = watchers.map((watcher, index) => (watcher.completedAt(userNames, marks[index] as number) as number) - written);
    const last = Math.max(...complete);
    console.log(
      `fan-out: one RoleBinding for a group of ${USERS} (nested) → all ${USERS} users at every watcher: p50 ${percentile(complete, 0.5).toFixed(0)} ms, last ${last.toFixed(0)} ms; ` +
        `${((USERS * WATCHERS) / (last / 1000)).toFixed(0)} principals/s delivered over ${WATCHERS} watchers`,
    );

    // One member joining the inner group.
    const joiner = await admin.call('CreateUser', { user: { email: 'joiner@bench.example' } });
    const joinerName = new Set([joiner['name'] as string]);
    await until(() => watchers.every((watcher) => watcher.completedAt(joinerName, 0) !== undefined), 60_000, 'the new user');
    const joinMarks = watchers.map((watcher) => watcher.arrivals.length);
    const joined = performance.now();
    await admin.call('CreateGroupMember', { parent: 'projects/bench/groups/inner', groupMember: { name: 'projects/bench/groups/inner/groupMembers/joiner', member: 'user:joiner@bench.example' } });
    await until(() => watchers.every((watcher, index) => watcher.completedAt(joinerName, joinMarks[index] as number) !== undefined), 60_000, 'the joiner at every watcher');
    const joins = watchers.map((watcher, index) => (watcher.completedAt(joinerName, joinMarks[index] as number) as number) - joined);
    console.log(`one user joining the nested group: write → every watcher p50 ${percentile(joins, 0.5).toFixed(1)} ms, last ${Math.max(...joins).toFixed(1)} ms`);
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.close()));
    await stopKeystreamChild(child);
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

await main();
