import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StorageFullLatch } from './storageFullLatch.js';

describe('StorageFullLatch', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'keystream-latch-'));
  });
  afterEach(() => { rmSync(directory, { recursive: true, force: true }); });

  it('should stay full after a small commit while the file system still has less free space than the margin', () => {
    const latch = new StorageFullLatch(directory, Number.MAX_SAFE_INTEGER);
    latch.noteNoSpace(new Error('ENOSPC: no space left on device'));
    latch.noteCommitted();
    expect(latch.problem()).to.match(/no space left/);
  });

  it('should clear once a commit succeeds with room on the file system, and keep the first cause until then', () => {
    const latch = new StorageFullLatch(directory, 1);
    expect(latch.problem()).to.equal(undefined);
    latch.noteNoSpace(new Error('first: no space left on device'));
    latch.noteNoSpace(new Error('second'));
    expect(latch.problem()).to.match(/^first/);
    latch.noteCommitted();
    expect(latch.problem()).to.equal(undefined);
  });
});
