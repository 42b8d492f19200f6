/**
 * Mocha wiring shared by the e2e spec files: one real keystream server per configuration for the
 * whole run, started by the first suite that needs it and closed (data directory removed) after
 * every file has run. Unique names per test keep the files independent on the shared server.
 */
import { ResourceFixtures } from './resourceFixtures.js';
import { startKeystreamServer, type KeystreamTestServer } from './keystreamServer.js';
import { RestClient } from './restClient.js';

/** What a suite's tests use; valid from the suite's `before` until the end of the run. */
export interface KeystreamSuite {
  readonly server: KeystreamTestServer;
  readonly client: RestClient;
  readonly fixtures: ResourceFixtures;
}

interface Running {
  readonly server: KeystreamTestServer;
  readonly client: RestClient;
  readonly fixtures: ResourceFixtures;
}

/** How long the suite lets the server's own short timers settle after a test. */
const SETTLE_MILLISECONDS = 1_000;
/** Consecutive polls without a foreign timer that count as settled. */
const QUIET_POLLS = 5;

/** Servers by configuration (JSON of the extra environment). */
const servers = new Map<string, Promise<Running>>();

// A root-level hook: runs once, after the last spec file of the run.
after(async function closeKeystreamServers() {
  const starting = [...servers.values()];
  servers.clear();
  const running = await Promise.allSettled(starting);
  await Promise.all(running.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.server.close()] : [])));
});

async function start(environment: Readonly<Record<string, string>>): Promise<Running> {
  const server = await startKeystreamServer(environment);
  const client = new RestClient(server.url, server.headers);
  return { server, client, fixtures: new ResourceFixtures(client) };
}

/** Registers a `before` hook giving the enclosing describe block the server of this configuration. */
export function useKeystream(environment: Readonly<Record<string, string>> = {}): KeystreamSuite {
  const key = JSON.stringify(Object.entries(environment).sort());
  let running: Running | undefined;
  const current = (): Running => {
    if (running === undefined) throw new Error('the keystream server is available from the suite\'s before hook on');
    return running;
  };
  // The root hooks compare active resources before and after each test; once their first,
  // synchronous comparison finds anything they also count their own mocha timeout timer, and fail
  // the test 2 s later. The server keeps scheduling short timers of its own (LMDB read-transaction
  // renewal) while it finishes projecting a test's last writes, so the suite lets those settle
  // first: it waits, bounded, until no timer but this hook's own is active. Nothing the tests
  // assert depends on this wait.
  afterEach(async () => {
    const deadline = Date.now() + SETTLE_MILLISECONDS;
    const timers = (): number => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    let quietPolls = 0;
    while (quietPolls < QUIET_POLLS && Date.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 2).unref());
      quietPolls = timers() > 1 ? 0 : quietPolls + 1;
    }
  });
  before(async () => {
    let shared = servers.get(key);
    if (shared === undefined) {
      shared = start(environment);
      servers.set(key, shared);
    }
    running = await shared;
  });
  return {
    get server() {
      return current().server;
    },
    get client() {
      return current().client;
    },
    get fixtures() {
      return current().fixtures;
    },
  };
}
