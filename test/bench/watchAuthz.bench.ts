/**
 * Authorization changes and resumed watches (issue 16), printed, not asserted.
 *
 *   npx tsx --conditions=keystream-source test/bench/watchAuthz.bench.ts [--watches=1000] [--everyone]
 *
 * N stateless watches (100 principals, N/100 each, one socket per principal) over 50 documents
 * each principal may see (one RoleBinding per principal in the real authorization index), all
 * resumed from a resume token after a reconnect. Then a RoleBinding for some other principal is
 * written (three rounds; a fourth binds p0, whose N/100 watches re-check), followed by one change
 * every watch shows. Figures: bytes the watchers received between
 * the binding write and that change (excluded), the snapshot queries the store ran meanwhile, and
 * the change's write→client latency over the watchers. `--everyone` treats every change of rights
 * as touching every principal (what the engine did before it asked whose rights moved).
 */
import { WatchSocket } from '@keystream/client';
import { AuthzIndex, directMembersOf } from '@keystream/authz';
import type { JsonObject } from '@keystream/readstore';
import { startGatewayHarness } from '@keystream/service-watch-gateway/testing';
import type { WatchPrincipal } from '@keystream/watch';
import os from 'node:os';

const watchesArg = process.argv.find((arg) => arg.startsWith('--watches='));
const watches = watchesArg === undefined ? 1000 : Number(watchesArg.slice('--watches='.length));
const everyone = process.argv.includes('--everyone');
const PRINCIPALS = 100;
const DOCUMENTS = 50;

const now = (): number => performance.timeOrigin + performance.now();

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

let sequence = 0;
function bindingEvent(member: string): { stream: string; type: string; data: JsonObject; position: string } {
  sequence += 1;
  const name = `roleBindings/b${sequence}`;
  return { stream: `RoleBinding-${name}`, type: 'RoleBindingCreated', data: { resource: { name, role: 'roles/viewer', member } }, position: sequence.toString(16).padStart(16, '0') };
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`watch authorization benchmark — ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, node ${process.version}; ${watches} resumed watches, ${PRINCIPALS} principals, ${DOCUMENTS} documents${everyone ? ', every change of rights touches everyone' : ''}`);
  const index = new AuthzIndex();
  const principals = new Map<string, WatchPrincipal>();
  const principalOf = (subject: string): WatchPrincipal => {
    let principal = principals.get(subject);
    if (principal === undefined) {
      principal = Object.freeze({ subject });
      principals.set(subject, principal);
    }
    return principal;
  };
  let queries = 0;
  const harness = await startGatewayHarness({
    engine: {
      canSee: (principal) => [...index.bindingsOf(principal.subject)].length > 0,
      authorizationVersion: () => index.generation,
      rightsMoved: (principal, since) => {
        if (everyone) return true;
        const affected = index.affectedSince(since);
        if (typeof affected === 'string') return true;
        return index.expandGroups(directMembersOf({ kind: 'user', email: principal.subject.slice('user:'.length), issuer: 'bench' })).some((member) => affected.has(member));
      },
    },
    gateway: { resolvePrincipal: (headers) => principalOf(headers['x-principal'] ?? 'anonymous'), softBufferBytes: 8 * 1024 * 1024, hardBufferBytes: 64 * 1024 * 1024 },
  });
  const query = harness.fixture.store.query.bind(harness.fixture.store);
  harness.fixture.store.query = (...args: Parameters<typeof query>) => {
    queries += 1;
    return query(...args);
  };
  try {
    for (let p = 0; p < PRINCIPALS; p += 1) index.apply(bindingEvent(`user:p${p}@example.com`));
    await harness.fixture.write(Array.from({ length: DOCUMENTS }, (_unused, d) => ({ kind: 'Group', name: `groups/d${d}`, document: { displayName: `d${d}`, description: 'x'.repeat(40) } })));
    // Snapshots first, for the tokens.
    const tokens = new Map<number, string>();
    {
      const sockets = await Promise.all(Array.from({ length: PRINCIPALS }, (_unused, p) => WatchSocket.connect(harness.wsUrl, { 'x-principal': `user:p${p}@example.com` })));
      for (let w = 0; w < watches; w += 1) {
        (sockets[w % PRINCIPALS] as WatchSocket).watch('WatchGroups', { type: 'STATELESS' }, {
          onResponse: (response) => {
            if (response['isCurrent'] === true && !tokens.has(w)) tokens.set(w, response['resumeToken'] as string);
          },
          onError: (error) => {
            throw new Error(JSON.stringify(error));
          },
        });
      }
      await until(() => tokens.size === watches, 120_000, 'snapshots');
      await Promise.all(sockets.map((socket) => socket.close()));
      await until(() => harness.engine.size === 0, 30_000, 'watches closed');
    }
    let bytes = 0;
    let hardResets = 0;
    let resumed = 0;
    let arrivals: number[] = [];
    const sockets = await Promise.all(Array.from({ length: PRINCIPALS }, (_unused, p) => WatchSocket.connect(harness.wsUrl, { 'x-principal': `user:p${p}@example.com` })));
    for (let w = 0; w < watches; w += 1) {
      let first = true;
      (sockets[w % PRINCIPALS] as WatchSocket).watch('WatchGroups', { type: 'STATELESS', resumeToken: tokens.get(w) }, {
        onResponse: (response) => {
          if (first && response['isCurrent'] === true) {
            first = false;
            resumed += 1;
            return;
          }
          if (response['isHardReset'] === true) hardResets += 1;
          const changes = (response['groupChanges'] as { current?: { group?: JsonObject } }[] | undefined) ?? [];
          const marked = changes.find((change) => change.current?.group?.['name'] === 'groups/marker');
          if (marked === undefined) bytes += JSON.stringify(response).length;
          else arrivals.push(now());
        },
        onError: (error) => {
          throw new Error(JSON.stringify(error));
        },
      });
    }
    await until(() => resumed === watches, 120_000, 'resumes');
    // Three routine writes for a principal none of these watches belongs to, then one for p0.
    const members = ['user:outsider0@example.com', 'user:outsider1@example.com', 'user:outsider2@example.com', 'user:p0@example.com'];
    for (const [round, member] of members.entries()) {
      bytes = 0;
      hardResets = 0;
      arrivals = [];
      const before = queries;
      index.apply(bindingEvent(member));
      await harness.fixture.write([{ kind: 'RoleBinding', name: `roleBindings/outsider${round}`, document: { role: 'roles/viewer' } }]);
      const written = now();
      await harness.fixture.write([{ kind: 'Group', name: 'groups/marker', document: { displayName: `round ${round}` } }]);
      await until(() => arrivals.length === watches, 120_000, 'the next change');
      const latencies = arrivals.map((arrival) => arrival - written);
      console.log(
        `  round ${round}: after a RoleBinding write for ${member}: ${(bytes / 1024).toFixed(1)} KiB resent, ${hardResets} hard resets, ${queries - before} store queries; ` +
          `next change write→client p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
      );
    }
    await Promise.all(sockets.map((socket) => socket.close()));
  } finally {
    await harness.close();
  }
}

await main();
