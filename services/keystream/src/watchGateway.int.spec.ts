import { eventually } from '@keystream/api/testing';
import { CollectionWatcher, RestClient, RestError, WatchSocket } from '@keystream/client';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken } from './auth/authServices.js';
import { BUILTIN_ROLES } from '@keystream/authz';
import { loadConfig, DEFAULT_DEV_ADMIN } from './config.js';
import { startKeystream, type RunningKeystream } from './keystreamProcess.js';
import { createLogger } from './logger.js';

describe('keystream start with the watch gateway', () => {
  let running: RunningKeystream;
  let directory: string;
  let client: RestClient;
  let authorization: Record<string, string>;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-watch-'));
    const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
    running = await startKeystream(config, createLogger(config));
    const token = await mintDevToken(config, DEFAULT_DEV_ADMIN);
    authorization = { authorization: `Bearer ${token}` };
    client = new RestClient({ baseUrl: running.url, headers: authorization });
  });

  after(async () => {
    await running.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('when a client without credentials opens a watch', () => {
    it('should answer UNAUTHENTICATED over both transports', async () => {
      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`);
      const errors: Record<string, unknown>[] = [];
      try {
        socket.watch('WatchGroups', { type: 'STATELESS' }, { onResponse: () => undefined, onError: (error) => errors.push(error) });
        await eventually(() => errors.length === 1, 5_000, 'the error frame');
        expect(errors[0]?.['status']).to.equal('UNAUTHENTICATED');
      } finally {
        await socket.close();
      }
      const response = await fetch(`${running.url}/v1/groups:watch`, { method: 'POST', body: '{"type":"STATELESS"}', headers: { 'content-type': 'application/json', connection: 'close' } });
      expect(response.status).to.equal(401);
      await response.body?.cancel();
    });
  });

  describe('when a signed-in principal without the watch permission opens a watch', () => {
    /** The error frame a WebSocket watch is answered with. */
    async function socketRefusal(token: string, method: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`, { authorization: `Bearer ${token}` });
      const errors: Record<string, unknown>[] = [];
      const responses: Record<string, unknown>[] = [];
      try {
        socket.watch(method, request, { onResponse: (response) => responses.push(response), onError: (error) => errors.push(error) });
        await eventually(() => errors.length === 1, 5_000, 'the error frame');
        expect(responses, 'responses before the refusal').to.deep.equal([]);
        return errors[0] as Record<string, unknown>;
      } finally {
        await socket.close();
      }
    }

    /** The HTTP status of the NDJSON route, which must refuse before streaming anything. */
    async function streamRefusal(token: string, method: string, request: Record<string, unknown>): Promise<RestError> {
      const stranger = new RestClient({ baseUrl: running.url, headers: { authorization: `Bearer ${token}` } });
      try {
        for await (const line of stranger.stream(method, request)) throw new Error(`expected a refusal, got ${JSON.stringify(line)}`);
      } catch (error) {
        if (error instanceof RestError) return error;
        throw error;
      }
      throw new Error('expected a refusal, got an empty stream');
    }

    it('should refuse a collection watch with PERMISSION_DENIED and a single watch with NOT_FOUND, over both transports', async () => {
      const carolToken = await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), 'carol@example.com');
      const project = await client.call('CreateProject', { project: { title: 'not carols', multiRegionPolicy: {} } });
      const projectName = project['name'] as string;
      const group = await client.call('CreateGroup', { parent: projectName, group: { displayName: 'secret' } });

      const collection = await socketRefusal(carolToken, 'WatchGroups', { type: 'STATELESS', parent: projectName });
      expect(collection['status']).to.equal('PERMISSION_DENIED');
      expect(collection['message']).to.contain('groups.watch');
      const single = await socketRefusal(carolToken, 'WatchGroup', { name: group['name'] });
      expect(single['status']).to.equal('NOT_FOUND');

      const collectionHttp = await streamRefusal(carolToken, 'WatchGroups', { type: 'STATELESS', parent: projectName });
      expect(collectionHttp.status).to.equal(403);
      expect(collectionHttp.body.status).to.equal('PERMISSION_DENIED');
      const singleHttp = await streamRefusal(carolToken, 'WatchGroup', { name: group['name'] });
      expect(singleHttp.status).to.equal(404);
    });
  });

  describe('when a client watches over the WebSocket on the REST port', () => {
    it('should see the writes made through REST, and the NDJSON route should stream the same', async () => {
      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`, authorization);
      const responses: Record<string, unknown>[] = [];
      try {
        socket.watch('WatchGroups', { type: 'STATELESS', filter: 'displayName = "watched"' }, {
          onResponse: (response) => responses.push(response),
          onError: (error) => {
            throw new Error(JSON.stringify(error));
          },
        });
        await eventually(() => responses.length === 2, 5_000, 'the empty snapshot');
        const created = await client.call('CreateGroup', { group: { displayName: 'watched' } });
        await client.call('CreateGroup', { group: { displayName: 'not watched' } });
        await eventually(() => responses.length === 3, 5_000, 'the created group');
        const change = (responses[2]?.['groupChanges'] as { current: { group: { name: string } } }[])[0];
        expect(change?.current.group.name).to.equal(created['name']);

        const abort = new AbortController();
        const lines: Record<string, unknown>[] = [];
        for await (const line of client.stream('WatchGroups', { type: 'STATELESS', filter: 'displayName = "watched"' }, abort.signal)) {
          lines.push(line);
          if (lines.length === 2) break;
        }
        abort.abort();
        expect(lines[0]?.['groupChanges']).to.deep.equal(responses[2]?.['groupChanges']);
        expect(lines[1]).to.deep.equal({ snapshotSize: '1' });
      } finally {
        await socket.close();
      }
    });
  });

  describe('when a principal may see only part of a collection', () => {
    it('should watch only the documents it may list, in the snapshot and live', async () => {
      const bob = 'bob@example.com';
      const bobToken = await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), bob);
      const [visible, hidden] = [await client.call('CreateProject', { project: { title: 'visible', multiRegionPolicy: {} } }), await client.call('CreateProject', { project: { title: 'hidden', multiRegionPolicy: {} } })];
      const visibleName = visible['name'] as string;
      const hiddenName = hidden['name'] as string;
      await client.call('CreateRoleBinding', {
        parent: visibleName,
        roleBinding: { name: `${visibleName}/roleBindings/bob-viewer`, role: BUILTIN_ROLES.viewer, member: `user:${bob}` },
      });
      await client.call('CreateGroup', { parent: visibleName, group: { name: `${visibleName}/groups/before`, displayName: 'before' } });

      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`, { authorization: `Bearer ${bobToken}` });
      const seen: string[] = [];
      const collect = (singular: string) => (response: Record<string, unknown>): void => {
        for (const change of (response[`${singular}Changes`] as { current?: Record<string, { name: string }> }[] | undefined) ?? []) {
          const resource = change.current?.[singular];
          if (resource !== undefined) seen.push(resource.name);
        }
      };
      const fail = (error: Record<string, unknown>): never => {
        throw new Error(JSON.stringify(error));
      };
      try {
        // Projects have no parent to authorize on: the watch is narrowed per document, like their List.
        socket.watch('WatchProjects', { type: 'STATELESS' }, { onResponse: collect('project'), onError: fail });
        socket.watch('WatchGroups', { type: 'STATELESS', parent: visibleName }, { onResponse: collect('group'), onError: fail });
        await eventually(() => seen.includes(`${visibleName}/groups/before`) && seen.includes(visibleName), 5_000, 'the visible snapshots').catch((error: unknown) => {
          throw new Error(`${(error as Error).message}; seen: ${JSON.stringify(seen)}`);
        });
        const later = await client.call('CreateProject', { project: { title: 'hidden later', multiRegionPolicy: {} } });
        await client.call('CreateGroup', { parent: visibleName, group: { name: `${visibleName}/groups/after`, displayName: 'after' } });
        await eventually(() => seen.includes(`${visibleName}/groups/after`), 5_000, 'the visible live change');
        expect(seen, 'projects bob may not list').to.not.include.members([hiddenName, later['name']]);
        expect(seen.filter((name) => name.startsWith('projects/') && !name.startsWith(visibleName))).to.deep.equal([]);
      } finally {
        await socket.close();
      }
    });
  });
  describe('when a principal loses or gains access while it watches', () => {
    it('should drop what a revoked binding covered from its cache, and add what a new binding covers', async () => {
      const dave = 'dave@example.com';
      const daveHeaders = { authorization: `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: directory }), dave)}` };
      const [kept, revoked, granted] = [
        await client.call('CreateProject', { project: { title: 'kept', multiRegionPolicy: {} } }),
        await client.call('CreateProject', { project: { title: 'revoked', multiRegionPolicy: {} } }),
        await client.call('CreateProject', { project: { title: 'granted', multiRegionPolicy: {} } }),
      ].map((project) => project['name'] as string) as [string, string, string];
      const bind = (project: string): Promise<Record<string, unknown>> =>
        client.call('CreateRoleBinding', { parent: project, roleBinding: { name: `${project}/roleBindings/dave-viewer`, role: BUILTIN_ROLES.viewer, member: `user:${dave}` } });
      await bind(kept);
      const revokedBinding = (await bind(revoked))['name'] as string;
      await client.call('CreateGroup', { parent: revoked, group: { name: `${revoked}/groups/held`, displayName: 'held' } });
      await client.call('CreateGroup', { parent: kept, group: { name: `${kept}/groups/held`, displayName: 'held' } });

      const url = `${running.url.replace(/^http/, 'ws')}/v1/watch`;
      const projects = new CollectionWatcher({ url, method: 'WatchProjects', singular: 'project', headers: daveHeaders });
      const groups = new CollectionWatcher({ url, method: 'WatchGroups', singular: 'group', request: { parent: revoked }, headers: daveHeaders });
      const errors: unknown[] = [];
      for (const watcher of [projects, groups]) watcher.on('error', (error: unknown) => errors.push(error));
      try {
        await projects.start();
        await groups.start();
        await eventually(() => projects.resources.has(revoked) && projects.resources.has(kept) && groups.resources.has(`${revoked}/groups/held`), 5_000, 'the snapshots');
        expect([...projects.resources.keys()].sort()).to.deep.equal([kept, revoked].sort());

        await client.call('DeleteRoleBinding', { name: revokedBinding });
        await eventually(() => !projects.resources.has(revoked) && groups.resources.size === 0, 5_000, 'the revoked project and its group to leave the caches');
        expect([...projects.resources.keys()]).to.deep.equal([kept]);

        await bind(granted);
        await eventually(() => projects.resources.has(granted), 5_000, 'the granted project to appear');
        expect([...projects.resources.keys()].sort()).to.deep.equal([granted, kept].sort());
        expect(errors).to.deep.equal([]);
        expect(projects.stats.consistencyErrors + groups.stats.consistencyErrors, 'cache consistency errors').to.equal(0);
      } finally {
        await projects.stop();
        await groups.stop();
      }
    });
  });

  describe('when a watch opens right after a write, with the write\'s x-keystream-min-position', () => {
    /** Reads an NDJSON watch until its first line, then ends it. */
    async function firstLine(route: string, headers: Record<string, string>, body: string): Promise<{ status: number; line: string }> {
      const abort = new AbortController();
      const response = await fetch(`${running.url}${route}`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json', ...headers }, body, signal: abort.signal });
      const text = response.status === 200 ? await readUntilNewline(response) : await response.text();
      abort.abort();
      return { status: response.status, line: text.split('\n')[0] ?? '' };
    }

    async function readUntilNewline(response: Response): Promise<string> {
      const reader = response.body?.getReader();
      let text = '';
      for (;;) {
        const chunk = await reader?.read();
        if (chunk === undefined || chunk.done) return text;
        text += Buffer.from(chunk.value).toString('utf8');
        if (text.includes('\n')) {
          await reader?.cancel().catch(() => undefined);
          return text;
        }
      }
    }

    it('should find what was just created (single watch) and hold it in the snapshot (collection watch), over both transports', async () => {
      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`, authorization);
      const failures: string[] = [];
      try {
        for (let round = 0; round < 15; round += 1) {
          const created = await fetch(`${running.url}/v1/projects`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json' }, body: JSON.stringify({ title: `fresh ${round}`, multiRegionPolicy: {} }) });
          const name = ((await created.json()) as { name: string }).name;
          const position = created.headers.get('x-keystream-min-position') ?? '';
          expect(position).to.match(/^[0-9a-f]+$/);

          const single = await firstLine(`/v1/${name}:watch`, { 'x-keystream-min-position': position }, '{}');
          if (single.status !== 200 || !single.line.includes(name)) failures.push(`NDJSON WatchProject ${name}: ${single.status} ${single.line}`);

          const frames: Record<string, unknown>[] = [];
          const errors: unknown[] = [];
          const listener = { onResponse: (response: Record<string, unknown>) => frames.push(response), onError: (error: unknown) => errors.push(error) };
          const singleId = socket.watch('WatchProject', { name }, listener, `single-${round}`, { minPosition: position });
          const collection = { responses: [] as Record<string, unknown>[] };
          const collectionId = socket.watch('WatchProjects', { type: 'STATELESS', filter: `title = "fresh ${round}"` }, { onResponse: (response) => collection.responses.push(response), onError: (error) => errors.push(error) }, `collection-${round}`, { minPosition: position });
          await eventually(() => errors.length > 0 || (frames.length > 0 && collection.responses.some((response) => response['isCurrent'] === true)), 5_000, 'the first responses');
          if (errors.length > 0 || !JSON.stringify(frames[0]).includes(name)) failures.push(`WebSocket WatchProject ${name}: ${JSON.stringify(errors)} ${JSON.stringify(frames[0])}`);
          if (!JSON.stringify(collection.responses).includes(name)) failures.push(`WebSocket WatchProjects snapshot without ${name}`);
          socket.cancel(singleId);
          socket.cancel(collectionId);
        }
      } finally {
        await socket.close();
      }
      expect(failures).to.deep.equal([]);
    });

    it('should refuse a min position that is not one, naming where it came from', async () => {
      const refused = await firstLine('/v1/projects:watch', { 'x-keystream-min-position': 'not-a-position' }, '{"type":"STATELESS"}');
      expect(refused.status).to.equal(400);
      expect(refused.line).to.contain('x-keystream-min-position');
    });
  });
});

describe('keystream stopping while watches are open', () => {
  it('should close WebSockets with 1001 and end NDJSON streams with an UNAVAILABLE error line', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-watch-stop-'));
    const config = loadConfig({ KEYSTREAM_DATA_DIR: directory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
    const running = await startKeystream(config, createLogger(config));
    let closed = false;
    try {
      const authorization = { authorization: `Bearer ${await mintDevToken(config, DEFAULT_DEV_ADMIN)}` };
      const socket = await WatchSocket.connect(`${running.url.replace(/^http/, 'ws')}/v1/watch`, authorization);
      const code = new Promise<number>((resolve) => {
        socket.onClose(resolve);
      });
      const frames: unknown[] = [];
      socket.watch('WatchProjects', { type: 'STATELESS' }, { onResponse: (response) => frames.push(response), onError: (error) => frames.push(error) });
      const response = await fetch(`${running.url}/v1/projects:watch`, { method: 'POST', headers: { ...authorization, 'content-type': 'application/json' }, body: '{"type":"STATELESS"}' });
      expect(response.status).to.equal(200);
      const text = response.text();
      await eventually(() => frames.length > 0, 5_000, 'the WebSocket watch to start');
      await running.close();
      closed = true;
      expect(await code).to.equal(1001);
      const lines = (await text).trim().split('\n');
      // grpc-gateway's framing: the last line is a google.rpc.Status, code 14 = UNAVAILABLE.
      const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { error?: { code?: number; message?: string } };
      expect(last.error?.code, lines.join('\n')).to.equal(14);
      expect(last.error?.message).to.match(/shutting down/);
    } finally {
      if (!closed) await running.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
