/**
 * keystream on a full disk (a small tmpfs filled to the last block): writes are refused with
 * RESOURCE_EXHAUSTED / HTTP 507 naming the cause, reads, Lists and watches go on, /readyz and
 * /metrics say what is wrong, and writes resume by themselves once space is freed. Nothing
 * acknowledged is lost, nothing refused is half-applied. Five rounds, then a start on a full
 * disk; a second suite fills only the read store's disk (the projector must wait, not die).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { ReadableStreamReadResult } from 'node:stream/web';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_DEV_ADMIN, loadConfig, mintDevToken } from '@keystream/keystream';
import { metricSamples } from '../support/metricsText.js';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';
import { mountSmallDisk, type SmallDisk } from '../support/smallDisk.js';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly position: string;
}

async function call(url: string, authorization: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization, connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text }, position: response.headers.get('x-keystream-min-position') ?? '' };
}

/** Opens an NDJSON watch of projects and reads its first line (the snapshot's start), then closes it. */
async function watchOpens(url: string, authorization: string): Promise<string> {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/projects:watch`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'STATELESS' }), signal: abort.signal });
  expect(response.status).to.equal(200);
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  let text = '';
  while (!text.includes('\n')) {
    const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
    if (chunk.done) break;
    text += Buffer.from(chunk.value).toString('utf8');
  }
  abort.abort();
  await reader.cancel().catch(() => undefined);
  return text.split('\n')[0] ?? '';
}

function errorOf(answer: Answer): { status?: string; message?: string } {
  const error = answer.body['error'];
  return typeof error === 'object' && error !== null ? error : {};
}

interface Readiness {
  status: number;
  text: string;
}

async function readyz(url: string): Promise<Readiness> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, text: await response.text() };
}

/** Asks /readyz every 100 ms until `done` holds of its answer or `withinMs` has passed; the last answer. */
async function pollReadyz(url: string, done: (readiness: Readiness) => boolean, withinMs: number): Promise<Readiness> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const readiness = await readyz(url);
    if (done(readiness) || Date.now() >= deadline) return readiness;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The storage_full gauge of `store`: 1 when any process of the server reports that store full. */
async function storageFullGauge(url: string, store: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = metricSamples(text, 'keystream_storage_full').filter((sample) => sample.labels['store'] === store).map((sample) => sample.value);
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/**
 * The hooks every suite below shares: a small tmpfs (the suite skips, saying why, where none can be
 * mounted), a scratch directory off it, and the keystream child to kill at the end.
 */
class SmallDiskSuite {
  child: KeystreamChild | undefined;
  mounted: SmallDisk | undefined;
  scratchDirectory: string | undefined;

  get disk(): SmallDisk {
    if (this.mounted === undefined) throw new Error('no disk');
    return this.mounted;
  }

  /** A directory on the ordinary disk, for what must not run out of space. */
  get scratch(): string {
    if (this.scratchDirectory === undefined) throw new Error('no scratch directory');
    return this.scratchDirectory;
  }
}

function smallDiskSuite(sizeMiB: number): SmallDiskSuite {
  const suite = new SmallDiskSuite();
  before(function () {
    const mounted = mountSmallDisk(sizeMiB);
    if ('skipReason' in mounted) {
      console.log(`      skipped: ${mounted.skipReason}`);
      this.skip();
    }
    suite.mounted = mounted;
    suite.scratchDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-disk-full-'));
  });
  after(async () => {
    if (suite.child) await stopKeystreamChild(suite.child, 'SIGKILL');
    suite.mounted?.unmount();
    if (suite.scratchDirectory !== undefined) rmSync(suite.scratchDirectory, { recursive: true, force: true });
  });
  return suite;
}

describe('keystream on a full disk', function () {
  this.timeout(600_000);
  const suite = smallDiskSuite(8);

  it('should refuse writes with 507, keep serving reads, and resume writes once space is freed (5 rounds, then a start on a full disk)', async () => {
    const small = suite.disk;
    const dataDirectory = path.join(small.mountPoint, 'data');
    suite.child = await startKeystreamChild(dataDirectory);
    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
    const acknowledged = new Map<string, string>();
    const figures = { refused: 0, acknowledgedLost: 0, readsFailed: 0, halfApplied: 0 };
    let lastPosition = '';

    const create = async (requestId: string): Promise<Answer> => {
      const answer = await call(suite.child!.url, authorization, 'POST', '/v1/projects', { multiRegionPolicy: {}, title: `full ${requestId}`, metadata: { labels: { pad: 'x'.repeat(2000) } } }, { 'x-request-id': requestId });
      if (answer.status === 200) {
        acknowledged.set(requestId, answer.body['name'] as string);
        lastPosition = answer.position;
      }
      return answer;
    };
    const checkReads = async (url: string): Promise<void> => {
      for (const name of acknowledged.values()) if ((await call(url, authorization, 'GET', `/v1/${name}`)).status !== 200) figures.readsFailed += 1;
      const list = await call(url, authorization, 'GET', '/v1/projects?pageSize=1000');
      if (list.status !== 200) figures.readsFailed += 1;
      if (!(await watchOpens(url, authorization)).includes('projectChanges')) figures.readsFailed += 1;
    };
    /** Writes on a full disk until one is refused; returns the refused request ids (none acknowledged). */
    const writeUntilRefused = async (): Promise<string[]> => {
      const refused: string[] = [];
      // LMDB may still find free pages inside its file for a few writes: they are acknowledged.
      for (let attempt = 0; attempt < 500 && refused.length < 3; attempt += 1) {
        const requestId = `full-${randomUUID()}`;
        const answer = await create(requestId);
        if (answer.status === 200) continue;
        expect(answer.status, `${JSON.stringify(answer.body)}\n${suite.child?.stderr()}${suite.child?.stdout().split("\n").filter((line) => line.includes("incident") || line.includes("\"level\":50")).slice(-3).join("\n") ?? ""}`).to.equal(507);
        expect(errorOf(answer).status).to.equal('RESOURCE_EXHAUSTED');
        expect(errorOf(answer).message).to.match(/no space left/);
        refused.push(requestId);
      }
      expect(refused, 'a write was refused once the disk was full').to.have.length.greaterThan(0);
      figures.refused += refused.length;
      return refused;
    };

    const listFull = (url: string): Promise<Answer> =>
      call(url, authorization, 'GET', `/v1/projects?pageSize=1000&filter=${encodeURIComponent('title >= "full "')}`, undefined, { 'x-keystream-min-position': lastPosition });

    for (let round = 1; round <= 6; round += 1) {
      const startOnFullDisk = round === 6;
      for (let index = 0; index < 3; index += 1) expect((await create(`before-${round}-${index}-${randomUUID()}`)).status).to.equal(200);
      if (startOnFullDisk) {
        await stopKeystreamChild(suite.child);
        small.fill();
        suite.child = await startKeystreamChild(dataDirectory);
      } else {
        small.fill();
      }
      const url = suite.child.url;
      const refused = await writeUntilRefused();
      await checkReads(url);
      // After the start on a full disk, readyz says 503 until the read model has caught up with the
      // log's head at start (slower while other suites share the cores); then ready, degraded.
      const ready = await pollReadyz(url, (readiness) => readiness.status !== 503 || !/catching up/.test(readiness.text), 30_000);
      expect(ready.status, ready.text).to.equal(200);
      expect(ready.text).to.match(/degraded/).and.match(/event store's storage is full/);
      expect(await storageFullGauge(url, 'events')).to.equal(1);
      // Refused means not written, not even partly: the name the request would have created does not exist.
      for (const requestId of refused) {
        const retried = await call(url, authorization, 'GET', `/v1/projects?filter=${encodeURIComponent(`title = "full ${requestId}"`)}`);
        if (((retried.body['projects'] as unknown[] | undefined) ?? []).length > 0) figures.halfApplied += 1;
      }
      small.free();
      // No restart: the same process takes the refused requests now.
      for (const requestId of refused) expect((await create(requestId)).status).to.equal(200);
      expect(await storageFullGauge(url, 'events')).to.equal(0);
      // The projector retries a batch its read store could not take with a backoff (a few seconds at most).
      const recovered = await pollReadyz(url, (readiness) => readiness.text === 'ready\n', 30_000);
      expect(recovered.text, 'readyz back to plain ready once space is free').to.equal('ready\n');
      // Everything acknowledged is there, once: by Get, and by List after the read model caught up.
      // The projector may still be in its backoff, then has the round's writes to apply: a List that
      // waits for them answers 503 with RetryInfo after 5 s, and is retried as its client would.
      // 60 s: once, with a 5M-document benchmark seeding beside the suite, 30 s was not enough.
      const listUntil = Date.now() + 60_000;
      let list = await listFull(url);
      while (list.status === 503 && Date.now() < listUntil) list = await listFull(url);
      expect(list.status, JSON.stringify(list.body)).to.equal(200);
      const listed = ((list.body['projects'] as { name: string }[] | undefined) ?? []).map((project) => project.name);
      expect(new Set(listed).size, 'no duplicates').to.equal(listed.length);
      for (const name of acknowledged.values()) if (!listed.includes(name)) figures.acknowledgedLost += 1;
      await checkReads(url);
    }
    console.log(`      disk full × 5 (+ a start on a full disk): ${acknowledged.size} writes acknowledged, ${figures.refused} refused with 507; acknowledged writes lost: ${figures.acknowledgedLost}, reads failed: ${figures.readsFailed}, half-applied: ${figures.halfApplied}`);
    expect(figures).to.deep.include({ acknowledgedLost: 0, readsFailed: 0, halfApplied: 0 });
  });
});

describe('keystream with a full read-store disk', function () {
  this.timeout(300_000);
  const suite = smallDiskSuite(8);

  it('should keep accepting writes and keep the projector waiting (not failing) until space is freed', async () => {
    const { disk, scratch: eventsDirectory } = suite;
    const readDirectory = path.join(disk.mountPoint, 'read');
    mkdirSync(readDirectory, { recursive: true });
    const environment = { KEYSTREAM_READSTORE: `lmdb:${readDirectory}`, KEYSTREAM_MIN_POSITION_WAIT_MS: '1000' };
    suite.child = await startKeystreamChild(eventsDirectory, environment);
    const url = suite.child.url;
    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: eventsDirectory }), DEFAULT_DEV_ADMIN)}`;
    disk.fill();
    const names: string[] = [];
    let last = '';
    // The event store has room: writes are acknowledged; the projector cannot store them.
    for (let index = 0; index < 40; index += 1) {
      const answer = await call(url, authorization, 'POST', '/v1/projects', { multiRegionPolicy: {}, title: `read-full ${index}`, metadata: { labels: { pad: 'y'.repeat(2000) } } });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      names.push(answer.body['name'] as string);
      last = answer.position;
    }
    const full = await pollReadyz(url, (readiness) => readiness.text.includes("read store's storage is full"), 60_000);
    expect(full.text, 'readyz reports the full read store').to.include("read store's storage is full");
    expect(await storageFullGauge(url, 'read')).to.equal(1);
    // Longer than the projector's ordinary retry budget (about 11 s): it must still be waiting, not dead.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(suite.child.process.exitCode, suite.child.stderr()).to.equal(null);
    expect((await call(url, authorization, 'GET', `/v1/${names[0] ?? ''}`)).status).to.equal(200);
    expect((await call(url, authorization, 'GET', '/v1/projects?pageSize=10')).status).to.equal(200);
    disk.free();
    const list = await call(url, authorization, 'GET', `/v1/projects?pageSize=1000&filter=${encodeURIComponent('title >= "read-full"')}`, undefined, { 'x-keystream-min-position': last });
    // The projector retries with a bounded backoff (at most 5 s); the List waits 1 s, so poll.
    let listed = list;
    for (let attempt = 0; listed.status !== 200 && attempt < 30; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      listed = await call(url, authorization, 'GET', `/v1/projects?pageSize=1000&filter=${encodeURIComponent('title >= "read-full"')}`, undefined, { 'x-keystream-min-position': last });
    }
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    expect(((listed.body['projects'] as { name: string }[] | undefined) ?? []).map((project) => project.name).sort()).to.deep.equal([...names].sort());
    expect(await storageFullGauge(url, 'read')).to.equal(0);
  });
});

describe('keystream relaying to an event-stream file on a full disk', function () {
  this.timeout(300_000);
  const suite = smallDiskSuite(4);

  it('should keep the relay waiting (not failing the process) and publish everything once space is freed', async () => {
    const { disk, scratch: dataDirectory } = suite;
    const file = path.join(disk.mountPoint, 'events.ndjson');
    suite.child = await startKeystreamChild(dataDirectory, { KEYSTREAM_EVENT_STREAM_FILE: file });
    const url = suite.child.url;
    const authorization = `Bearer ${await mintDevToken(loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory }), DEFAULT_DEV_ADMIN)}`;
    disk.fill();
    const names: string[] = [];
    for (let index = 0; index < 20; index += 1) {
      const answer = await call(url, authorization, 'POST', '/v1/projects', { multiRegionPolicy: {}, title: `stream-full ${index}`, metadata: { labels: { pad: 'z'.repeat(4000) } } });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      names.push(answer.body['name'] as string);
    }
    // Longer than the relay's ordinary retry budget: it must still be waiting, not dead.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(suite.child.process.exitCode, suite.child.stderr()).to.equal(null);
    disk.free();
    const { readFileSync } = await import('node:fs');
    const deadline = Date.now() + 60_000;
    const published = (): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    while (!names.every((name) => published().includes(name))) {
      expect(Date.now(), 'every event published once space was freed').to.be.below(deadline);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
});
