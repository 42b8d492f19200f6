/**
 * Invitation and membership benchmarks (issue 11), printed, not asserted.
 *
 *   npx tsx --conditions=keystream-source test/bench/invitations.bench.ts [--quick]
 *
 * - Batch invite: one BatchCreateProjectInvitations of 1,000 rows through the authorizing
 *   dispatcher on a real core (embedded LMDB stores, outbox notifier): each row validates, claims
 *   the email, stores the invitation, issues a hashed code and writes the mail. Then the same batch
 *   again with the same idempotency key (nothing new is created or mailed).
 * - ListMyProjects for a user with 10,000 MemberAssignments (a RoleBinding in each of 10,000
 *   projects, assignments made by the process manager): latency of the first page (100) and of a
 *   page with paging info, p50/p99 over repeated calls.
 * - Search phrases over the 10,000 projects: SearchProjects through the API, and the read store's
 *   query with the phrase hint (the text index) against the same query without it (a scan).
 * - Restart: the core is closed and opened again on the same data directory; how long until the
 *   process managers are level with the log again (ListMy… current), and how many events they
 *   handled to get there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAuthTestWorld } from '@keystream/keystream/testing';
import { systemEnvelope } from '@keystream/service-api';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 200 : 1000;
const ASSIGNMENTS = quick ? 1000 : 10_000;
const VIEWER = 'services/iam.edgelq.com/roles/scope-viewer';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

async function main(): Promise<void> {
  let world = await startAuthTestWorld({ directory: fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-bench-')) });
  const directory = world.directory;
  try {
    const admin = await world.token('admin@keystream.local');
    // Batch invite.
    await world.call('CreateProject', { project: { name: 'projects/bench-batch', title: 'Bench' } }, admin);
    const rows = Array.from({ length: ROWS }, (_unused, index) => ({ invitation: { inviteeEmail: `invitee${index}@example.com`, bindingRoles: [{ role: VIEWER }] } }));
    const first = await timed(() => world.call('BatchCreateProjectInvitations', { parent: 'projects/bench-batch', projectInvitations: rows, idempotencyKey: 'bench-1' }, admin));
    const created = ((first.value.response as { results: { status: string }[] }).results).filter((result) => result.status === 'CREATED').length;
    const again = await timed(() => world.call('BatchCreateProjectInvitations', { parent: 'projects/bench-batch', projectInvitations: rows, idempotencyKey: 'bench-1' }, admin));
    console.log(`batch invite: ${ROWS} rows in ${first.ms.toFixed(0)} ms (${((ROWS / first.ms) * 1000).toFixed(0)} rows/s, ${created} created); retried with the same key in ${again.ms.toFixed(0)} ms`);

    // ListMyProjects with many assignments.
    const member = 'user:busy@example.com';
    const setup = await timed(async () => {
      const batch = 50;
      for (let start = 0; start < ASSIGNMENTS; start += batch) {
        await Promise.all(
          Array.from({ length: Math.min(batch, ASSIGNMENTS - start) }, async (_unused, offset) => {
            const name = `projects/bench-${String(start + offset).padStart(5, '0')}`;
            await world.commands.execute({ type: 'create', kind: 'Project', resource: { name, title: `Project ${start + offset}` } }, systemEnvelope());
            await world.commands.execute({ type: 'create', kind: 'RoleBinding', resource: { name: `${name}/roleBindings/busy`, role: VIEWER, member } }, systemEnvelope());
          }),
        );
      }
    });
    const assigned = await timed(async () => {
      // The process manager catches up with the bindings (10,000 commands), then the read model.
      await world.processManagers.waitFor(await world.eventStore.headPosition(), 600_000);
      await world.settle();
    });
    console.log(
      `setup: ${ASSIGNMENTS} projects + bindings written in ${(setup.ms / 1000).toFixed(1)} s; the process manager finished the assignments ${(assigned.ms / 1000).toFixed(1)} s later`,
    );
    const busy = await world.token('busy@example.com');
    const check = (await world.call('ListMyProjects', { pageSize: 100, includePagingInfo: true }, busy)).response as { projects: unknown[]; totalCount?: number };
    console.log(`ListMyProjects sees ${check.totalCount ?? '?'} projects (first page ${check.projects.length})`);
    for (const [label, request] of [
      ['first page (100)', { pageSize: 100 }],
      ['page with paging info', { pageSize: 100, includePagingInfo: true }],
      ['filtered (title LIKE)', { pageSize: 100, filter: 'title LIKE "%12%"' }],
    ] as const) {
      const samples: number[] = [];
      for (let round = 0; round < (quick ? 10 : 30); round += 1) samples.push((await timed(() => world.call('ListMyProjects', request, busy))).ms);
      samples.sort((a, b) => a - b);
      console.log(`ListMyProjects ${label} with ${ASSIGNMENTS} assignments: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`);
    }

    // Search phrases: end to end, then the read store with and without its text index.
    for (const phrase of ['ject 12', 'Project 9999', 'nothing-like-this']) {
      const samples: number[] = [];
      let found = 0;
      for (let round = 0; round < (quick ? 10 : 30); round += 1) {
        const call = await timed(() => world.call('SearchProjects', { phrase, pageSize: 100 }, admin));
        samples.push(call.ms);
        found = (call.value.response as { projects?: unknown[] }).projects?.length ?? 0;
      }
      samples.sort((a, b) => a - b);
      console.log(`SearchProjects phrase "${phrase}" over ${ASSIGNMENTS} projects (first page: ${found}): p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`);
      const pattern = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const filter = { $or: ['name', 'title', 'description'].map((field) => ({ [field]: { $regex: pattern, $options: 'i' } })) };
      for (const [label, hint] of [['scan', {}], ['text index', { phrase: { text: phrase, fields: ['name', 'title', 'description'] } }]] as const) {
        const runs: number[] = [];
        for (let round = 0; round < (quick ? 10 : 30); round += 1) runs.push((await timed(() => world.readStore.query('Project', { filter, limit: 100, ...hint }))).ms);
        runs.sort((a, b) => a - b);
        console.log(`  read store, ${label}: p50 ${percentile(runs, 50).toFixed(2)} ms, p99 ${percentile(runs, 99).toFixed(2)} ms`);
      }
    }

    // Restart on the same data: how long until the process managers are current again.
    await world.close();
    const opened = await timed(() => startAuthTestWorld({ directory }));
    world = opened.value;
    const restarted = world;
    const current = await timed(async () => restarted.processManagers.waitFor(await restarted.eventStore.headPosition(), 600_000));
    const handled = (await restarted.processManagers.metrics()).eventsHandledTotal;
    console.log(
      `restart with ${ASSIGNMENTS} assignments: core open ${opened.ms.toFixed(0)} ms, process managers current ${current.ms.toFixed(0)} ms later (${handled} events handled after the restart)`,
    );
    const after = (await world.call('ListMyProjects', { pageSize: 1, includePagingInfo: true }, await world.token('busy@example.com'))).response as { totalCount?: number };
    console.log(`after the restart ListMyProjects sees ${after.totalCount ?? '?'} projects`);
  } finally {
    await world.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

await main();
