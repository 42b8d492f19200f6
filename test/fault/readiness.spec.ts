/**
 * `/readyz` answers 200 only once the read model holds the event log as it stood at start. A
 * process rebuilding its read model (here: the read store deleted, the event log kept) serves at
 * once, but must not say it is ready while Lists still miss documents.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbEventStore, type NewEvent } from '@keystream/eventstore';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const PROJECTS = 20_000;

function projectCreated(id: string): NewEvent {
  const eventId = randomUUID();
  const now = new Date().toISOString();
  return {
    id: eventId,
    type: 'ProjectCreated',
    data: { resource: { name: `projects/${id}`, title: id, metadata: { createTime: now, updateTime: now, uuid: randomUUID(), generation: 1, resourceVersion: '0' } } },
    metadata: { actor: 'user:readiness-test@example.com', requestId: eventId, correlationId: eventId, causationId: eventId, occurredAt: now, schema: 1 },
  };
}

describe('readiness while the read model rebuilds', function () {
  this.timeout(300_000);
  let dataDirectory: string;
  let child: KeystreamChild | undefined;

  before(() => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-ready-'));
  });

  after(async () => {
    if (child) await stopKeystreamChild(child, 'SIGKILL');
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('should answer /readyz 503 until Lists see every document of the log as it stood at start', async () => {
    // A first start seeds the built-ins; then, stopped, the log gets many projects and loses its read model.
    child = await startKeystreamChild(dataDirectory);
    await stopKeystreamChild(child);
    const store = openLmdbEventStore({ path: path.join(dataDirectory, 'events') });
    for (let start = 0; start < PROJECTS; start += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, PROJECTS - start) }, (_unused, index) => {
          const id = `ready-${start + index}`;
          return store.append(`Project-projects/${id}`, [projectCreated(id)], 'no_stream');
        }),
      );
    }
    await store.close();
    rmSync(path.join(dataDirectory, 'read'), { recursive: true, force: true });

    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
    child = await startKeystreamChild(dataDirectory);
    const seen: number[] = [];
    const deadline = Date.now() + 240_000;
    for (;;) {
      const ready = await fetch(`${child.url}/readyz`);
      const body = await ready.text();
      seen.push(ready.status);
      if (ready.status === 200) break;
      expect(ready.status, body).to.equal(503);
      expect(body).to.match(/catching up/);
      expect(Date.now(), 'the read model caught up within 4 minutes').to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Ready, so a List without any min-position header already has everything.
    const list = await fetch(`${child.url}/v1/projects?pageSize=1&includePagingInfo=true&filter=${encodeURIComponent('title >= "ready-"')}`, { headers: { authorization } });
    const page = (await list.json()) as { totalResultsCount?: number | string };
    expect(list.status).to.equal(200);
    expect(Number(page.totalResultsCount), `readyz answered ${seen.join(',')}`).to.equal(PROJECTS);
  });
});
