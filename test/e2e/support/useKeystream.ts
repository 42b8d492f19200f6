/**
 * Mocha wiring shared by the e2e spec files: one real keystream server per describe block, started
 * in `before` and closed (data directory removed) in `after`.
 */
import { ResourceFixtures } from './resourceFixtures.js';
import { startKeystreamServer, type KeystreamTestServer } from './keystreamServer.js';
import { RestClient } from './restClient.js';

/** What a suite's tests use; valid from the suite's `before` until its `after`. */
export interface KeystreamSuite {
  readonly server: KeystreamTestServer;
  readonly client: RestClient;
  readonly fixtures: ResourceFixtures;
}

/** Registers before/after hooks that run a server for the enclosing describe block. */
export function useKeystream(environment: Readonly<Record<string, string>> = {}): KeystreamSuite {
  let running: { server: KeystreamTestServer; client: RestClient; fixtures: ResourceFixtures } | undefined;
  const current = (): NonNullable<typeof running> => {
    if (running === undefined) throw new Error('the keystream server runs only between the suite\'s before and after hooks');
    return running;
  };
  before(async () => {
    const server = await startKeystreamServer(environment);
    const client = new RestClient(server.url);
    running = { server, client, fixtures: new ResourceFixtures(client) };
  });
  after(async () => {
    const stopping = running;
    running = undefined;
    await stopping?.server.close();
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
