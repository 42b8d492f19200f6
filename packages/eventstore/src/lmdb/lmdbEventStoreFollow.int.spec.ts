/**
 * The embedded event store followed by a process that does not append: a real second process
 * appends (testing/appendChild.ts, which prints an ACK line per acknowledged append), this one
 * opens the same directory with `follow: true` and subscribes to $all.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { START_POSITION } from '@keystream/kernel';
import { openLmdbEventStore, type LmdbEventStore } from './lmdbEventStore.js';

const APPEND_CHILD = fileURLToPath(new URL('../testing/appendChild.ts', import.meta.url));

/** The positions the appending child acknowledged, as they come. */
function acknowledgements(child: ChildProcessWithoutNullStreams): AsyncIterator<string> {
  const lines: AsyncIterator<string> = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next() {
      const line = await lines.next();
      if (line.done === true) return { value: undefined, done: true };
      return { value: line.value.split(' ')[3] as string, done: false };
    },
  };
}

describe('LmdbEventStore followed by a process that does not append', function () {
  this.timeout(30_000);
  let directory: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  let follower: LmdbEventStore | undefined;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'keystream-follow-events-'));
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (child !== undefined && child.exitCode === null) await new Promise((resolve) => child?.once('exit', resolve));
    child = undefined;
    await follower?.close();
    follower = undefined;
    await rm(directory, { recursive: true, force: true });
  });

  it('catches up on what was appended before it opened, then receives every later append in order', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', APPEND_CHILD, `lmdb:${directory}`, 'Probe-1'], { stdio: 'pipe' });
    const acked = acknowledgements(child);
    const before: string[] = [];
    for (let index = 0; index < 5; index += 1) before.push((await acked.next()).value as string);
    follower = openLmdbEventStore({ path: directory, follow: true });
    const subscription = follower.subscribeToAll(START_POSITION);
    const received: string[] = [];
    for await (const message of subscription) {
      if (message.kind !== 'event') continue;
      received.push(message.event.position);
      if (received.length >= 40) break;
    }
    const ackedLater: string[] = [...before];
    while (ackedLater.length < 40) ackedLater.push((await acked.next()).value as string);
    // Every acknowledged position, in the log's order, none skipped or repeated.
    expect(received).to.deep.equal(ackedLater.slice(0, 40));
    expect((await follower.headPosition()) >= (received[39] as string)).to.equal(true);
  });

  it('refuses to append, and leaves the log as the writer left it', async () => {
    follower = openLmdbEventStore({ path: directory, follow: true });
    const metadata = { actor: 'system', requestId: 'r', correlationId: 'r', causationId: 'r', occurredAt: new Date().toISOString(), schema: 1 };
    const error = await follower.append('Probe-2', [{ id: 'e1', type: 'Probed', data: {}, metadata }], 'no_stream').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.have.property('code', 'FAILED_PRECONDITION');
    expect(await follower.readStream('Probe-2')).to.deep.equal([]);
  });
});
