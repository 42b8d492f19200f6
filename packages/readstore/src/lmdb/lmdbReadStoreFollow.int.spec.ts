/**
 * The embedded read store followed by a process that does not write it: a real second process
 * applies (testing/applyChild.ts), this one opens the same directory with `follow: true`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ApplyBatch, ChangeLogEntry, JsonObject } from '../readStore.js';
import { openLmdbReadStore, type LmdbReadStore } from './lmdbReadStore.js';

const CHILD = fileURLToPath(new URL('./testing/applyChild.ts', import.meta.url));
const INDEXES = { Group: [{ 'metadata.createTime': -1 as const, name: 1 as const }, { title: 'text' as const }] };

/** The writer process: `apply` resolves with the head it printed after committing. */
class Writer {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]() as AsyncIterator<string>;
  }

  static async start(directory: string): Promise<Writer> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', CHILD, directory], { stdio: 'pipe' });
    const writer = new Writer(child);
    expect(await writer.next()).to.equal('READY');
    return writer;
  }

  async apply(batch: ApplyBatch): Promise<string> {
    this.child.stdin.write(`${JSON.stringify(batch)}\n`);
    const line = await this.next();
    expect(line).to.match(/^APPLIED /);
    return line.slice('APPLIED '.length);
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => this.child.once('exit', resolve));
  }

  private async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done === true) throw new Error('the writer process ended');
    return line.value;
  }
}

let sequence = 0;
function put(name: string, title: string): ApplyBatch['writes'][number] {
  sequence += 1;
  const document: JsonObject = { name, title, metadata: { createTime: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString() } };
  return { op: 'put', kind: 'Group', name, position: sequence.toString(16).padStart(16, '0'), document };
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LmdbReadStore followed by a process that does not write it', function () {
  this.timeout(30_000);
  let directory: string;
  let writer: Writer;
  let follower: LmdbReadStore;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'keystream-follow-'));
    writer = await Writer.start(directory);
  });

  afterEach(async () => {
    await follower.close();
    await writer.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('sees what was applied before it opened, and what is applied after, in queries, counts and gets', async () => {
    await writer.apply({ writes: [put('projects/p/groups/a', 'alpha team'), put('projects/p/groups/b', 'beta team')], checkpoint: { projector: 'read-model', position: '1' } });
    follower = openLmdbReadStore({ path: directory, indexes: INDEXES, follow: true });
    expect((await follower.query('Group', { sort: { 'metadata.createTime': -1 } })).documents.map((d) => d.name)).to.deep.equal(['projects/p/groups/b', 'projects/p/groups/a']);
    expect((await follower.get('Group', 'projects/p/groups/a'))?.document['title']).to.equal('alpha team');

    const head = await writer.apply({ writes: [put('projects/p/groups/a', 'alpha squad'), put('projects/p/groups/c', 'gamma team')], checkpoint: { projector: 'read-model', position: '2' } });
    await eventually(async () => (await follower.head()) === head, 'the follower to reach the writer head');
    // The cached document was dropped: the new title, not the one read before.
    expect((await follower.get('Group', 'projects/p/groups/a'))?.document['title']).to.equal('alpha squad');
    expect(await follower.count('Group')).to.equal(3);
    expect(await follower.checkpoint('read-model')).to.equal('2');
    expect((await follower.query('Group', { filter: { title: 'gamma team' } })).documents.map((d) => d.name)).to.deep.equal(['projects/p/groups/c']);
  });

  it('finds words of documents applied after its word list was loaded (a search inside words)', async () => {
    await writer.apply({ writes: [put('projects/p/groups/a', 'apollo')] });
    follower = openLmdbReadStore({ path: directory, indexes: INDEXES, follow: true });
    const search = async (part: string): Promise<string[]> =>
      (await follower.query('Group', { filter: { title: { $regex: part, $options: 'i' } }, phrase: { text: part, fields: ['title'] } })).documents.map((d) => d.name).sort();
    expect(await search('pol')).to.deep.equal(['projects/p/groups/a']);
    const head = await writer.apply({ writes: [put('projects/p/groups/b', 'napoleon'), put('projects/p/groups/c', 'zebra')] });
    await eventually(async () => (await follower.head()) === head, 'the follower to reach the writer head');
    expect(await search('pol')).to.deep.equal(['projects/p/groups/a', 'projects/p/groups/b']);
  });

  it('wakes its change feeds with the writer’s entries, in order, and its reads are never ahead of its head', async () => {
    follower = openLmdbReadStore({ path: directory, indexes: INDEXES, follow: true });
    const feed = follower.changesSince(await follower.head());
    const received: ChangeLogEntry[] = [];
    const reading = (async () => {
      for await (const batch of feed) {
        received.push(...batch);
        if (received.length >= 20) break;
      }
    })();
    for (let index = 0; index < 10; index += 1) await writer.apply({ writes: [put(`projects/p/groups/g${index}`, `group ${index}`), put(`projects/p/groups/h${index}`, `other ${index}`)] });
    await reading;
    expect(received.map((entry) => entry.name)).to.deep.equal(Array.from({ length: 10 }, (_, index) => [`projects/p/groups/g${index}`, `projects/p/groups/h${index}`]).flat());
    // A query then a head: every document the query returned is at or below that head.
    const { documents } = await follower.query('Group', {});
    const head = await follower.head();
    for (const document of documents) expect(document.position <= head).to.equal(true);
  });

  it('refuses to apply', async () => {
    follower = openLmdbReadStore({ path: directory, indexes: INDEXES, follow: true });
    const error = await follower.apply({ writes: [put('projects/p/groups/x', 'x')] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.have.property('code', 'FAILED_PRECONDITION');
    expect((await follower.query('Group', {})).documents).to.have.length(0);
  });
});
