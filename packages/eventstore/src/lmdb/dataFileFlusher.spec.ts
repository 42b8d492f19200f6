import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataFileFlusher } from './dataFileFlusher.js';

describe('DataFileFlusher', () => {
  it('should give a call made during a flush a later flush of its own, shared by every call made meanwhile', async () => {
    const held: (() => void)[] = [];
    const flusher = new DataFileFlusher('/nowhere/data.mdb', () => new Promise<void>((resolve) => held.push(resolve)));
    const first = flusher.flush();
    const second = flusher.flush();
    const third = flusher.flush();
    expect(second).to.equal(third);
    expect(held).to.have.length(1);
    let secondDone = false;
    void second.then(() => {
      secondDone = true;
    });
    held.shift()?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone, 'the call made during the first flush waits for a flush started after it').to.equal(false);
    expect(held).to.have.length(1);
    held.shift()?.();
    await second;
    expect(held).to.have.length(0);
  });

  it('should flush a real file and keep going after a failed flush', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'keystream-flush-'));
    try {
      writeFileSync(path.join(directory, 'data.mdb'), 'x');
      const flusher = new DataFileFlusher(path.join(directory, 'data.mdb'));
      await flusher.flush();
      await flusher.close();
      let fail = true;
      const failing = new DataFileFlusher('/nowhere', () => (fail ? Promise.reject(new Error('EIO')) : Promise.resolve()));
      await failing.flush().then(
        () => expect.fail('the failure is the caller\'s to see'),
        (error: unknown) => expect((error as Error).message).to.equal('EIO'),
      );
      fail = false;
      await failing.flush();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
