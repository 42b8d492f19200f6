/**
 * Root hooks shared by every spec file.
 *
 * A test that leaves a server, socket, timer or file handle open makes the next tests flaky and
 * keeps the process alive after the run, so each test is checked: any resource that was not
 * there before it started and is still there shortly after it ended fails the run, naming the
 * resource types that leaked.
 */
import type { Context } from 'mocha';

/** Resource types Node reports that a test can legitimately leave behind (process-wide, owned by the runtime). */
const IGNORED_RESOURCE_TYPES = new Set(['TTYWrap', 'PipeWrap', 'ProcessWrap', 'SignalWrap', 'FSEventWrap', 'StatWatcher', 'CloseReq']);

/** How long a just-closed handle may take to disappear before it counts as leaked. */
const SETTLE_DEADLINE_MS = 2_000;

let baseline = new Map<string, number>();

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (IGNORED_RESOURCE_TYPES.has(type)) continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function leakedSince(before: Map<string, number>): string[] {
  const leaks: string[] = [];
  for (const [type, count] of countResources()) {
    const extra = count - (before.get(type) ?? 0);
    if (extra > 0) leaks.push(`${extra} × ${type}`);
  }
  return leaks;
}

export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    // Spec files are all loaded before this runs; one that starts `keystream start` children loaded
    // keystreamProcess.ts, which marks the run (see STARTS_SERVERS there). Imported only then, so a
    // run of unit specs neither builds nor loads it.
    if ((globalThis as Record<symbol, unknown>)[Symbol.for('keystream.test.startsServers')] !== true) return;
    const { buildCheckout, defaultServerEntry } = await import('./keystreamProcess.js');
    if (defaultServerEntry() !== 'built') return;
    this.timeout(0);
    buildCheckout();
  },
  beforeEach(): void {
    baseline = countResources();
  },
  async afterEach(this: Context): Promise<void> {
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    let leaks = leakedSince(baseline);
    if (leaks.length === 0) return;
    // Once this hook awaits, mocha arms its own timeout timer for it (it does so only after a hook
    // returns a promise); that timer is not the test's, so it is allowed for while settling.
    // Without this, a transient timer alive at the first check (a store's 0 ms read-transaction
    // renewal) made the hook report its own timer as a leak.
    const allowed = new Map(baseline).set('Timeout', (baseline.get('Timeout') ?? 0) + 1);
    while (leaks.length > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setTimeout(resolve, 10).unref());
      leaks = leakedSince(allowed);
    }
    if (leaks.length > 0) {
      const title = this.currentTest?.fullTitle() ?? 'unknown test';
      throw new Error(`test "${title}" left resources open: ${leaks.join(', ')}. Close servers, sockets, stores and timers in the test's teardown.`);
    }
  },
};
