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
import type { AllSubscription } from '../eventStore.js';
import { openLmdbEventStore, type LmdbEventStore } from './lmdbEventStore.js';

const APPEND_CHILD = fileURLToPath(new URL('../testing/appendChild.ts', import.meta.url));

/** How long the follower may take to hand over what the other process appended (inotify is ~1 ms, the poll fallback 250 ms). */
const DELIVERY_DEADLINE_MS = 5_000;

/** Starts the other process, appending to `stream` in `directory` until killed. */
function spawnAppender(directory: string, stream: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', APPEND_CHILD, `lmdb:${directory}`, stream], { stdio: 'pipe' });
}

/** The positions the appending child acknowledged, as they come, and what it wrote to stderr (for a failure's message). */
type Acknowledgements = AsyncIterator<string> & { readonly stderr: () => string };

function acknowledgements(child: ChildProcessWithoutNullStreams): Acknowledgements {
  const lines: AsyncIterator<string> = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    stderr: () => stderr,
    async next() {
      const line = await lines.next();
      if (line.done === true) return { value: undefined, done: true };
      return { value: line.value.split(' ')[3] as string, done: false };
    },
  };
}

/** The next `count` acknowledged positions; fails if the child ends first. */
async function nextAcknowledged(acked: Acknowledgements, count: number): Promise<string[]> {
  const positions: string[] = [];
  while (positions.length < count) {
    const next = await acked.next();
    if (next.done === true) throw new Error(`the appending child ended after ${positions.length} of ${count} acknowledgements; its stderr: ${acked.stderr() || '(empty)'}`);
    positions.push(next.value);
  }
  return positions;
}

/** Positions of the first `count` events the subscription delivers (fewer if it is closed first). */
async function receivePositions(subscription: AllSubscription, count: number): Promise<string[]> {
  const received: string[] = [];
  for await (const message of subscription) {
    if (message.kind !== 'event') continue;
    received.push(message.event.position);
    if (received.length >= count) break;
  }
  return received;
}

/**
 * What `receiving` got once the follower had {@link DELIVERY_DEADLINE_MS} after the writer's last
 * acknowledgement: the subscription is closed then, so a follower that stops noticing the other
 * process's commits returns short instead of hanging. Started after the acknowledgements so it
 * times the follower only, not the child's start-up or its flushes.
 */
async function receivedWithinDeadline(subscription: AllSubscription, receiving: Promise<string[]>): Promise<string[]> {
  const deadline = setTimeout(() => void subscription.close(), DELIVERY_DEADLINE_MS);
  try {
    return await receiving;
  } finally {
    clearTimeout(deadline);
  }
}

describe('LmdbEventStore followed by a process that does not append', function () {
  this.timeout(30_000);
  let directory: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  let follower: LmdbEventStore | undefined;
  let releasing: NodeJS.Timeout | undefined;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'keystream-follow-events-'));
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    if (child !== undefined && child.exitCode === null) await new Promise((resolve) => child?.once('exit', resolve));
    child = undefined;
    await follower?.close();
    follower = undefined;
    clearInterval(releasing);
    await rm(directory, { recursive: true, force: true });
  });

  it('receives what the other process appends after it opened, in order, and its head follows every acknowledged append', async () => {
    follower = openLmdbEventStore({ path: directory, follow: true });
    const subscription = follower.subscribeToAll(START_POSITION);
    const receiving = receivePositions(subscription, 20);
    child = spawnAppender(directory, 'Probe-live');
    const acked = acknowledgements(child);
    const ackedPositions: string[] = [];
    while (ackedPositions.length < 20) {
      const [position] = (await nextAcknowledged(acked, 1)) as [string];
      ackedPositions.push(position);
      // What the writer acknowledged is committed, so the follower's head is at least there.
      expect(await follower.headPosition() >= position, `head ${await follower.headPosition()} behind acknowledged ${position}`).to.equal(true);
    }
    expect(await receivedWithinDeadline(subscription, receiving)).to.deep.equal(ackedPositions);
  });

  it('hands over nothing the writer committed until its own flush of the data file finished', async () => {
    const flushes: { readonly file: string; readonly release: () => void }[] = [];
    follower = openLmdbEventStore({
      path: directory,
      follow: true,
      flushDataFile: (file) => new Promise<void>((resolve) => flushes.push({ file, release: resolve })),
    });
    const subscription = follower.subscribeToAll(START_POSITION);
    const receiving = receivePositions(subscription, 5);
    child = spawnAppender(directory, 'Probe-flush');
    const ackedPositions = await nextAcknowledged(acknowledgements(child), 5);
    const flushAsked = Date.now() + DELIVERY_DEADLINE_MS;
    while (flushes.length === 0) {
      expect(Date.now(), 'the follower asks for a flush after noticing the commits').to.be.below(flushAsked);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(flushes[0]?.file).to.equal(join(directory, 'data.mdb'));
    let delivered = false;
    void receiving.then(() => {
      delivered = true;
    });
    const head = follower.headPosition();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(delivered, 'events delivered before their flush').to.equal(false);
    expect(follower.headSequence(), 'head moved before the flush').to.equal(0);
    // Released flushes deliver what they covered; later commits get flushes of their own.
    // (until the follower closed: afterEach clears it)
    releasing = setInterval(() => {
      for (const flush of flushes.splice(0)) flush.release();
    }, 5);
    expect((await head) >= (ackedPositions[0] as string)).to.equal(true);
    expect(await receivedWithinDeadline(subscription, receiving)).to.deep.equal(ackedPositions);
  });

  it('catches up on what was appended before it opened, then receives every later append in order', async () => {
    child = spawnAppender(directory, 'Probe-catch-up');
    const acked = acknowledgements(child);
    const before = await nextAcknowledged(acked, 5);
    follower = openLmdbEventStore({ path: directory, follow: true });
    expect(await follower.headPosition() >= (before[4] as string)).to.equal(true);
    const subscription = follower.subscribeToAll(START_POSITION);
    const receiving = receivePositions(subscription, 40);
    const ackedPositions = [...before, ...(await nextAcknowledged(acked, 35))];
    const received = await receivedWithinDeadline(subscription, receiving);
    // Every acknowledged position, in the log's order, none skipped or repeated.
    expect(received).to.deep.equal(ackedPositions);
    expect((await follower.headPosition()) >= (received[39] as string)).to.equal(true);
  });

  it('refuses to append, and leaves the log as the writer left it', async () => {
    follower = openLmdbEventStore({ path: directory, follow: true });
    const metadata = { actor: 'system', requestId: 'r', correlationId: 'r', causationId: 'r', occurredAt: new Date().toISOString(), schema: 1 };
    const events = [{ id: 'e1', type: 'Probed', data: {}, metadata }];
    const appendError = await follower.append('Probe-2', events, 'no_stream').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(appendError).to.have.property('code', 'FAILED_PRECONDITION');
    const multiStreamError = await follower.appendToStreams([{ stream: 'Probe-3', events, expectedRevision: 'no_stream' }]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(multiStreamError).to.have.property('code', 'FAILED_PRECONDITION');
    expect(await follower.readStream('Probe-2')).to.deep.equal([]);
    expect(await follower.readStream('Probe-3')).to.deep.equal([]);
    expect(await follower.headPosition()).to.equal(START_POSITION);
  });
});
