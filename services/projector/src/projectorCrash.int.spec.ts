import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { comparePositions, type Position } from '@keystream/eventstore';
import { withDeadline } from '@keystream/eventstore/testing';
import { Projector } from './projector.js';
import { readChangeLog } from './testing/changeLog.js';
import { appendLifecycle, project, uniqueId } from './testing/resourceEvents.js';
import { openStoreFixture, type StoreFixture } from './testing/storeFixture.js';

const DEADLINE_MS = 20_000;

/** What the history leaves behind: the last title of every live project, and every event position. */
interface History {
  readonly finalTitles: Map<string, string>;
  readonly deleted: Set<string>;
  readonly positions: Position[];
}

/**
 * Appends a history of creates, updates, deletes and re-creates over `resources` projects,
 * `events` in all, chosen by a fixed-seed generator so every run writes the same shape. Every
 * event changes its document (deletes only hit live ones), so each must leave exactly one
 * change-log entry.
 */
async function appendHistory(stores: StoreFixture, resources: number, events: number): Promise<History> {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const ids = Array.from({ length: resources }, () => uniqueId());
  const live = new Map<string, string>();
  const deleted = new Set<string>();
  const positions: Position[] = [];
  for (let index = 0; index < events; index += 1) {
    const id = ids[Math.floor(random() * ids.length)] ?? '';
    const name = `projects/${id}`;
    const title = `t${index}`;
    const current = live.get(name);
    let verb: 'Created' | 'Updated' | 'Deleted';
    if (current === undefined) verb = 'Created';
    else verb = random() < 0.2 ? 'Deleted' : 'Updated';
    const result = await appendLifecycle(stores.eventStore, 'Project', verb, project(id, verb === 'Deleted' ? current ?? title : title));
    positions.push(result.position);
    if (verb === 'Deleted') {
      live.delete(name);
      deleted.add(name);
    } else {
      live.set(name, title);
      deleted.delete(name);
    }
  }
  return { finalTitles: live, deleted, positions };
}

/**
 * Runs projectorChild.ts on the stores, SIGKILLs it once `killAfterBatches` batches were
 * reported, and returns the checkpoints it reported.
 */
async function runChildUntilKilled(stores: StoreFixture, killAfterBatches: number): Promise<Position[]> {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./testing/projectorChild${extension}`, import.meta.url));
  const nodeArgs = extension === '.ts' ? ['--import', 'tsx', '--conditions=keystream-source'] : [];
  const child = spawn(process.execPath, [...nodeArgs, script, stores.eventStorePath, stores.readStorePath, '10', '15'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reported: Position[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const lines = createInterface({ input: child.stdout });
  try {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        lines.on('line', (line) => {
          const [tag, position] = line.split(' ');
          if (tag !== 'BATCH' || position === undefined) return;
          reported.push(position);
          if (reported.length === killAfterBatches) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`projector child exited (${code ?? signal}) before being killed: ${stderr}`));
        });
      }),
      DEADLINE_MS,
      `${killAfterBatches} batches from the projector child`,
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    lines.close();
  }
  return reported;
}

describe('Projector killed with SIGKILL', () => {
  let stores: StoreFixture;

  beforeEach(async () => {
    stores = await openStoreFixture();
  });

  afterEach(async () => {
    await stores.dispose();
  });

  it('should resume exactly after its last commit: every document present once, no change-log position twice', async function () {
    this.timeout(60_000);
    const history = await appendHistory(stores, 120, 900);
    const head = history.positions[history.positions.length - 1] ?? '';
    // The child owns the stores while it runs; the parent opens them again after each kill.
    await stores.close();

    let previous: Position = '';
    for (const killAfterBatches of [3, 7, 12]) {
      const reported = await runChildUntilKilled(stores, killAfterBatches);
      await stores.reopen();
      const checkpoint = (await stores.readStore.checkpoint('read-model')) ?? '';
      // Every batch the child reported survived the kill; and it was killed before the end.
      expect(comparePositions(checkpoint, reported[reported.length - 1] ?? '')).to.be.at.least(0);
      expect(comparePositions(checkpoint, previous)).to.be.above(0);
      expect(comparePositions(checkpoint, head), 'the child was killed before it caught up').to.be.below(0);
      // Documents, change log and checkpoint commit together: the log ends exactly at the checkpoint.
      expect(await stores.readStore.head()).to.equal(checkpoint);
      previous = checkpoint;
      await stores.close();
    }

    await stores.reopen();
    const remaining = history.positions.filter((position) => comparePositions(position, previous) > 0).length;
    const projector = new Projector({ eventStore: stores.eventStore, readStore: stores.readStore });
    try {
      await projector.start();
      await projector.waitForPosition(head, DEADLINE_MS);
      // Resumed exactly after the checkpoint: nothing re-read, so nothing skipped as a duplicate.
      expect(await projector.metrics()).to.include({ eventsHandledTotal: remaining, documentsChangedTotal: remaining, writesSkippedTotal: 0 });
    } finally {
      await projector.stop();
    }

    for (const [name, title] of history.finalTitles) {
      expect((await stores.readStore.get('Project', name))?.document['title'], name).to.equal(title);
    }
    for (const name of history.deleted) expect(await stores.readStore.get('Project', name), name).to.equal(undefined);
    expect(await stores.readStore.count('Project')).to.equal(history.finalTitles.size);
    const log = await readChangeLog(stores.readStore);
    expect(log.map((entry) => entry.position)).to.deep.equal(history.positions);
  });
});
