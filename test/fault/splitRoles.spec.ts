/**
 * The roles of `keystream start` in separate processes over one embedded data directory: a
 * projector, an api and a gateway process, each `keystream start --role …` on the same
 * KEYSTREAM_DATA_DIR. The api process writes the event log, the projector the read model; each
 * follows the other's commits (no server stores), so a create through the api is read back at once,
 * listed by a List given its position (read-your-writes across processes) and streamed by the
 * gateway's watch. A replica (`--role replica`) serves the same API, appending through the api
 * process; `keystream start` shares its HTTP and gRPC connections with a replica child. A second writer of a
 * part is refused naming the part; a reader alone is not.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { grpcAddressOf, runKeystreamExpectingExit, startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';
import { OWN_CONNECTION, serverStream, serviceClient, unaryCall } from '../support/grpcClient.js';
import { sumByProcess, untilProcessesShow } from '../support/metricsText.js';

const IN_USE = 75;

describe('keystream roles in separate processes on one embedded data directory', function () {
  this.timeout(120_000);
  let dataDirectory: string;
  let authorization: string;
  const children: KeystreamChild[] = [];
  const start = async (role: string): Promise<KeystreamChild> => {
    const child = await startKeystreamChild(dataDirectory, {}, 60_000, ['--role', role]);
    children.push(child);
    return child;
  };

  before(async () => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-split-'));
    authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
  });

  after(async () => {
    await Promise.all(children.splice(0).map((child) => stopKeystreamChild(child, 'SIGKILL')));
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('should read back a create at once through the api and stream it from the gateway', async () => {
    const projector = await start('projector');
    const api = await start('api');
    const gateway = await start('gateway');
    expect((await fetch(`${projector.url}/readyz`)).status).to.equal(200);

    // A stateless watch on the gateway, read line by line (NDJSON).
    const abort = new AbortController();
    const watch = await fetch(`${gateway.url}/v1/projects:watch`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{"type":"STATELESS"}', signal: abort.signal });
    expect(watch.status).to.equal(200);
    // Closed however the test ends, so a failing assertion leaves no socket open.
    try {
      const lines = createInterface({ input: Readable.fromWeb(watch.body as never) })[Symbol.asyncIterator]() as AsyncIterator<string>;

      const titles = ['split one', 'split two', 'split three'];
      const names: string[] = [];
      let lastPosition = '';
      for (const title of titles) {
        const created = await fetch(`${api.url}/v1/projects`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ title, multiRegionPolicy: {} }) });
        const body = (await created.json()) as { name: string };
        expect(created.status, JSON.stringify(body)).to.equal(200);
        names.push(body.name);
        lastPosition = created.headers.get('x-keystream-min-position') ?? '';
        // Get reads the event log the api writes: at once, whatever the projector did yet.
        const read = await fetch(`${api.url}/v1/${body.name}`, { headers: { authorization } });
        expect(read.status).to.equal(200);
        expect(((await read.json()) as { title: string }).title).to.equal(title);
      }
      // Read-your-writes on the read model: the api waits for the projector process's checkpoint to
      // pass the last create (without the position a List may answer before the projector applied it).
      expect(lastPosition).not.to.equal('');
      const listed = (await (await fetch(`${api.url}/v1/projects?pageSize=100`, { headers: { authorization, 'x-keystream-min-position': lastPosition } })).json()) as { projects: { name: string }[] };
      expect(listed.projects.map((project) => project.name)).to.include.members(names);

      // Every create reaches the watch, in order.
      const seen: string[] = [];
      const deadline = Date.now() + 15_000;
      while (names.some((name) => !seen.includes(name)) && Date.now() < deadline) {
        const line = await lines.next();
        if (line.done === true) break;
        const text = line.value;
        for (const name of names) if (text.includes(`"${name}"`) && !seen.includes(name)) seen.push(name);
      }
      expect(seen).to.deep.equal(names);
    } finally {
      abort.abort();
    }
  });

  it('should serve the API from a replica started by hand, appending through the api process with the secret it keeps beside the log', async () => {
    const api = children[1] as KeystreamChild;
    const replica = await start('replica');
    const headers = { authorization, 'content-type': 'application/json' };
    for (const [writer, reader] of [[replica, api], [api, replica]] as const) {
      const created = await fetch(`${writer.url}/v1/groups`, { method: 'POST', headers, body: JSON.stringify({ displayName: `by hand ${writer === replica ? 'replica' : 'api'}` }) });
      const body = (await created.json()) as { name: string };
      expect(created.status, JSON.stringify(body)).to.equal(200);
      const read = await fetch(`${reader.url}/v1/${body.name}`, { headers: { authorization } });
      expect(read.status).to.equal(200);
      // A stale revision is refused the same way whichever process decides it.
      const stale = await fetch(`${reader.url}/v1/${body.name}`, { method: 'PUT', headers, body: JSON.stringify({ displayName: 'renamed', metadata: { resourceVersion: '999' } }) });
      expect(stale.status, await stale.text()).to.equal(409);
    }
  });

  it('should run the projector as a child of keystream start with KEYSTREAM_PROCESSES=2, which ends with its parent however it ends', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-split-child-'));
    try {
      const headers = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}`, 'content-type': 'application/json' };
      const parent = await startKeystreamChild(directory, { KEYSTREAM_PROCESSES: '2' }, 60_000);
      const banner = /projector[a-z,]*: a process of its own \(pid (\d+)\)/.exec(parent.stderr());
      expect(banner, parent.stderr()).not.to.equal(null);
      const childPid = Number(banner?.[1]);
      const created = await fetch(`${parent.url}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ title: 'child projected', multiRegionPolicy: {} }) });
      expect(created.status).to.equal(200);
      const position = created.headers.get('x-keystream-min-position') ?? '';
      const listed = (await (await fetch(`${parent.url}/v1/projects?pageSize=100`, { headers: { ...headers, 'x-keystream-min-position': position } })).json()) as { projects: { title: string }[] };
      expect(listed.projects.map((project) => project.title)).to.include('child projected');
      // SIGKILL leaves the child no signal: it notices its stdin closing and stops.
      await stopKeystreamChild(parent, 'SIGKILL');
      const deadline = Date.now() + 20_000;
      const alive = (): boolean => {
        try {
          process.kill(childPid, 0);
          return true;
        } catch {
          return false;
        }
      };
      while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(alive(), 'the projector child outlived its parent').to.equal(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('should share the connections of keystream start with its replica child: every write is read back at once over any other connection, listed and watched', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-replica-'));
    const parent = await startKeystreamChild(directory, { KEYSTREAM_PROCESSES: '2' }, 60_000);
    const watchAbort = new AbortController();
    try {
      const headers = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}`, 'content-type': 'application/json' };
      await untilEveryProcessServes(parent.url);

      // Watches opened over two connections (so most likely one in each process) see every create.
      const watches = await Promise.all([0, 1].map(async () => {
        const response = await fetch(`${parent.url}/v1/groups:watch`, { method: 'POST', headers, body: '{"type":"STATELESS"}', signal: watchAbort.signal });
        expect(response.status).to.equal(200);
        return createInterface({ input: Readable.fromWeb(response.body as never) })[Symbol.asyncIterator]() as AsyncIterator<string>;
      }));

      const names: string[] = [];
      let lastPosition = '';
      // Each request on a connection of its own, so the connections alternate between the processes.
      for (let index = 0; index < 8; index += 1) {
        const displayName = `replica ${index}`;
        const created = await onNewConnection(`${parent.url}/v1/groups`, { method: 'POST', headers, body: JSON.stringify({ displayName }) });
        expect(created.status, created.body).to.equal(200);
        const name = (JSON.parse(created.body) as { name: string }).name;
        names.push(name);
        lastPosition = String(created.headers['x-keystream-min-position'] ?? '');
        // The next connection goes to the other process: it reads the write at once.
        const read = await onNewConnection(`${parent.url}/v1/${name}`, { headers });
        expect(read.status, read.body).to.equal(200);
        expect((JSON.parse(read.body) as { displayName: string }).displayName).to.equal(displayName);
        // A write on a resource made through the other process: its revision is the one just read.
        const updated = await onNewConnection(`${parent.url}/v1/${name}`, { method: 'PUT', headers, body: JSON.stringify({ displayName: `${displayName} renamed` }) });
        expect(updated.status, updated.body).to.equal(200);
      }
      // Both processes answered their share, and a scrape taken by either process shows both (each
      // series labelled with its process): two scrapes on new connections, one in each.
      for (let scrape = 0; scrape < 2; scrape += 1) {
        const writesAndReads = sumByProcess((await onNewConnection(`${parent.url}/metrics`)).body, 'keystream_http_requests_total', (labels) => ['CreateGroup', 'GetGroup', 'UpdateGroup'].includes(labels['method'] ?? ''));
        expect(Object.fromEntries(writesAndReads)).to.deep.equal({ 'api,gateway': 12, 'projector,replica,gateway': 12 });
      }
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const listed = await onNewConnection(`${parent.url}/v1/groups?pageSize=100`, { headers: { ...headers, 'x-keystream-min-position': lastPosition } });
        const groups = (JSON.parse(listed.body) as { groups: { name: string; displayName: string }[] }).groups;
        expect(groups.filter((group) => names.includes(group.name)).map((group) => group.displayName).sort()).to.deep.equal(names.map((_, index) => `replica ${index} renamed`).sort());
      }
      for (const lines of watches) {
        const seen = new Set<string>();
        const until = Date.now() + 15_000;
        while (seen.size < names.length && Date.now() < until) {
          const line = await lines.next();
          if (line.done === true) break;
          for (const name of names) if (line.value.includes(`"${name}"`) && line.value.includes('renamed')) seen.add(name);
        }
        expect([...seen].sort()).to.deep.equal([...names].sort());
      }
    } finally {
      watchAbort.abort();
      await stopKeystreamChild(parent, 'SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('should share its gRPC connections with its replica child too: calls on either answer, each write read back at once on the other and streamed to a watch in each', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-replica-grpc-'));
    const parent = await startKeystreamChild(directory, { KEYSTREAM_PROCESSES: '2', KEYSTREAM_GRPC_PORT: 'auto' }, 60_000);
    const clients: { close(): void }[] = [];
    try {
      const address = await grpcAddressOf(parent);
      const headers = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), DEFAULT_DEV_ADMIN)}` };
      // The replica takes connections once it has said so (for HTTP and gRPC at once): wait for that.
      await untilEveryProcessServes(parent.url);
      // Each client on a connection of its own, so the connections alternate between the processes.
      const groups = () => {
        const client = serviceClient('GroupService', address, OWN_CONNECTION);
        clients.push(client);
        return client;
      };
      // Two watches on two connections: one in each process.
      const watches = [serverStream(groups(), 'WatchGroups', { type: 'STATELESS' }, headers), serverStream(groups(), 'WatchGroups', { type: 'STATELESS' }, headers)];
      const names: string[] = [];
      for (let index = 0; index < 6; index += 1) {
        const created = await unaryCall(groups(), 'CreateGroup', { group: { displayName: `grpc replica ${index}` } }, headers);
        const name = created.response['name'] as string;
        names.push(name);
        // The next connection is served by the other process: it reads the write at once.
        const read = await unaryCall(groups(), 'GetGroup', { name }, headers);
        expect(read.response['displayName']).to.equal(`grpc replica ${index}`);
      }
      // Each watch streams every create, whichever process took it.
      for (const watch of watches) {
        const seen = (): string[] => names.filter((name) => watch.messages.some((message) => JSON.stringify(message).includes(`"${name}"`)));
        const until = Date.now() + 15_000;
        while (seen().length < names.length && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen()).to.deep.equal(names);
        watch.call.cancel();
      }
      // Both processes answered gRPC calls: 12 calls on 12 connections, every other one handed to the replica.
      const scrape = (await onNewConnection(`${parent.url}/metrics`)).body;
      const answered = sumByProcess(scrape, 'keystream_grpc_calls_total', (labels) => labels['code'] === '0' && ['CreateGroup', 'GetGroup'].includes(labels['method'] ?? ''));
      expect(Object.fromEntries(answered)).to.deep.equal({ 'api,gateway': 6, 'projector,replica,gateway': 6 });
      // The cancelled watches end in the process that served each (a stream is counted when it ends).
      let watchesEnded: Record<string, number> = {};
      const until = Date.now() + 10_000;
      for (;;) {
        watchesEnded = Object.fromEntries(sumByProcess((await onNewConnection(`${parent.url}/metrics`)).body, 'keystream_grpc_calls_total', (labels) => labels['method'] === 'WatchGroups'));
        if (Object.keys(watchesEnded).length === 2 || Date.now() > until) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(watchesEnded).to.deep.equal({ 'api,gateway': 1, 'projector,replica,gateway': 1 });
    } finally {
      for (const client of clients) client.close();
      await stopKeystreamChild(parent, 'SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('should list a project in ListMyProjects given the position of the binding that grants it, over any connection (a replica asks the api process for its process managers)', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-replica-my-'));
    const parent = await startKeystreamChild(directory, { KEYSTREAM_PROCESSES: '2' }, 60_000);
    try {
      const config = loadConfig({ KEYSTREAM_DATA_DIR: directory });
      const admin = { authorization: `Bearer ${await mintDevToken(config, DEFAULT_DEV_ADMIN)}`, 'content-type': 'application/json' };
      const member = { authorization: `Bearer ${await mintDevToken(config, 'member@example.com')}`, 'content-type': 'application/json' };
      const granted: string[] = [];
      const missed: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        const project = `projects/my-replica-${index}`;
        const created = await onNewConnection(`${parent.url}/v1/projects`, { method: 'POST', headers: admin, body: JSON.stringify({ name: project, title: project, multiRegionPolicy: {} }) });
        expect(created.status, created.body).to.equal(200);
        const bound = await onNewConnection(`${parent.url}/v1/${project}/roleBindings`, { method: 'POST', headers: admin, body: JSON.stringify({ roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'user:member@example.com' } }) });
        expect(bound.status, bound.body).to.equal(200);
        granted.push(project);
        // The MemberAssignment behind ListMyProjects is made by the api process's process managers
        // after the binding; the next connections go to either process.
        for (let reader = 0; reader < 2; reader += 1) {
          const mine = await onNewConnection(`${parent.url}/v1/projects:listMy`, { method: 'POST', headers: { ...member, 'x-keystream-min-position': String(bound.headers['x-keystream-min-position']) }, body: '{}' });
          expect(mine.status, mine.body).to.equal(200);
          const listed = ((JSON.parse(mine.body) as { projects?: { name: string }[] }).projects ?? []).map((found) => found.name);
          for (const name of granted) if (!listed.includes(name)) missed.push(`${name} (after binding ${index}, read ${reader})`);
        }
      }
      expect(missed).to.deep.equal([]);
    } finally {
      await stopKeystreamChild(parent, 'SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('should refuse a second writer of a part, naming it, and let the first keep serving', async () => {
    const refused = await runKeystreamExpectingExit(dataDirectory, {}, 60_000, ['--role', 'api']);
    expect(refused.status, refused.stderr).to.equal(IN_USE);
    expect(refused.stderr).to.include('event log');
    const refusedAll = await runKeystreamExpectingExit(dataDirectory, {}, 60_000, ['--role', 'projector']);
    expect(refusedAll.status, refusedAll.stderr).to.equal(IN_USE);
    expect(refusedAll.stderr).to.include('read model');
    const api = children[1] as KeystreamChild;
    expect((await fetch(`${api.url}/v1/projects?pageSize=1`, { headers: { authorization } })).status).to.equal(200);
  });
});

/** Waits until a scrape of `keystream start` (KEYSTREAM_PROCESSES=2) shows both processes. */
async function untilEveryProcessServes(url: string): Promise<void> {
  const expected = ['api,gateway', 'projector,replica,gateway'];
  expect(await untilProcessesShow(async () => (await onNewConnection(`${url}/metrics`)).body, expected.length, 20_000)).to.deep.equal(expected);
}

/** One request on a connection of its own (no keep-alive pool): the body as text. */
function onNewConnection(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
