/**
 * SIGKILL during a write burst loses no acknowledged write and duplicates nothing.
 *
 * A real `keystream start` child takes creates from 16 concurrent clients (each with its own
 * x-request-id). Right after the 150th acknowledgement it is killed with SIGKILL. A new process
 * on the same data directory must then serve every acknowledged resource from Get and from List
 * (after waiting for the projector with x-keystream-min-position), hold no duplicates, and treat a
 * retry of any request (acknowledged or cut off) as that request, not a new one.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

interface Acknowledged {
  readonly requestId: string;
  readonly name: string;
  readonly position: string;
}

/** Every request authenticates as the bootstrap administrator (a development-issuer token). */
let authorization = '';

const CLIENTS = 16;
const KILL_AFTER = 150;

async function createProject(url: string, requestId: string, index: number): Promise<{ status: number; name?: string; position?: string }> {
  const response = await fetch(`${url}/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, connection: 'close', authorization },
    body: JSON.stringify({ title: `burst ${index}`, multiRegionPolicy: {} }),
  });
  const body = (await response.json()) as { name?: string };
  return { status: response.status, ...(body.name === undefined ? {} : { name: body.name }), position: response.headers.get('x-keystream-min-position') ?? '' };
}

describe('keystream under SIGKILL', function () {
  this.timeout(120_000);
  let dataDirectory: string;
  let child: KeystreamChild | undefined;

  before(() => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-crash-'));
  });

  before(async () => {
    authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
  });

  after(async () => {
    if (child) await stopKeystreamChild(child, 'SIGKILL');
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('should keep every acknowledged write, exactly once, after a kill mid-burst', async () => {
    child = await startKeystreamChild(dataDirectory);
    const first = child;
    const acknowledged: Acknowledged[] = [];
    const attempted: string[] = [];
    let next = 0;
    let killed = false;
    // Read through a function: other clients set it while this one awaits.
    const stillRunning = (): boolean => !killed;

    const client = async (): Promise<void> => {
      while (stillRunning()) {
        const index = next++;
        const requestId = `burst-${index}`;
        attempted.push(requestId);
        try {
          const result = await createProject(first.url, requestId, index);
          if (result.status === 200 && result.name !== undefined && stillRunning()) {
            acknowledged.push({ requestId, name: result.name, position: result.position ?? '' });
            if (acknowledged.length === KILL_AFTER) {
              killed = true;
              first.process.kill('SIGKILL');
            }
          }
        } catch {
          // The connection died with the process: the request may or may not have landed.
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(await first.exited).to.equal('SIGKILL');

    child = await startKeystreamChild(dataDirectory);
    const second = child;
    for (const write of acknowledged) {
      const response = await fetch(`${second.url}/v1/${write.name}`, { headers: { connection: 'close', authorization } });
      expect(response.status, `GET ${write.name}`).to.equal(200);
    }
    const highest = acknowledged.map((write) => write.position).sort().at(-1) ?? '';
    const listed: string[] = [];
    let pageToken = '';
    do {
      const response = await fetch(`${second.url}/v1/projects?page_size=500${pageToken === '' ? '' : `&page_token=${encodeURIComponent(pageToken)}`}`, {
        headers: { 'x-keystream-min-position': highest, connection: 'close', authorization },
      });
      expect(response.status).to.equal(200);
      const page = (await response.json()) as { projects?: { name: string }[]; nextPageToken?: string };
      listed.push(...(page.projects ?? []).map((project) => project.name));
      pageToken = page.nextPageToken ?? '';
    } while (pageToken !== '');
    expect(new Set(listed).size, 'no project is listed twice').to.equal(listed.length);
    expect(listed).to.include.members(acknowledged.map((write) => write.name));

    // Retrying every attempted request (some were cut off by the kill) creates nothing new.
    const before = listed.length;
    let latest = highest;
    for (const [index, requestId] of attempted.entries()) {
      const result = await createProject(second.url, requestId, index);
      expect(result.status).to.equal(200);
      if ((result.position ?? '') > latest) latest = result.position ?? latest;
      const original = acknowledged.find((write) => write.requestId === requestId);
      if (original) expect(result.name, `retry of ${requestId}`).to.equal(original.name);
    }
    const after = (await (
      await fetch(`${second.url}/v1/projects?page_size=1000&include_paging_info=true`, { headers: { 'x-keystream-min-position': latest, connection: 'close', authorization } })
    ).json()) as {
      totalResultsCount?: number;
    };
    // Exactly one project per distinct request: those that landed before the kill, the rest now.
    expect(after.totalResultsCount).to.equal(attempted.length);
    console.log(`      ${attempted.length} creates attempted, ${acknowledged.length} acknowledged before SIGKILL, ${before} present after restart`);
    await stopKeystreamChild(second);
  });
});
