import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { askPartWriter, DataDirectoryInUseError, lockDataDirectory, type DataDirectoryLock } from './dataDirectoryLock.js';

describe('lockDataDirectory', () => {
  let directory: string;
  const held: DataDirectoryLock[] = [];

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'keystream-lock-'));
  });

  afterEach(async () => {
    await Promise.all(held.splice(0).map((lock) => lock.release()));
    rmSync(directory, { recursive: true, force: true });
  });

  it('should refuse a second writer of the same part and let another part be taken', async () => {
    held.push(await lockDataDirectory(directory, 'read-model'));
    held.push(await lockDataDirectory(directory, 'event-log'));
    const refused = await lockDataDirectory(directory, 'read-model').catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(DataDirectoryInUseError).with.property('part', 'read-model');
  });

  describe('answering a follower', function () {
    before(function () {
      if (process.platform !== 'linux') this.skip(); // only abstract sockets answer; the pid-file lock cannot
    });

    it("should tell the writer's status as it is when asked, through another spelling of the directory", async () => {
      const lock = await lockDataDirectory(directory, 'read-model');
      held.push(lock);
      expect(await askPartWriter(directory, 'read-model')).to.deep.equal({});
      let problem: string | undefined = 'ENOSPC: no space left on device';
      lock.reportStatus(() => (problem === undefined ? {} : { storageProblem: problem }));
      expect(await askPartWriter(`${directory}/./`, 'read-model')).to.deep.equal({ storageProblem: 'ENOSPC: no space left on device' });
      problem = undefined;
      expect(await askPartWriter(directory, 'read-model')).to.deep.equal({});
    });

    it('should answer nothing for a part no process holds, or once its lock was released', async () => {
      expect(await askPartWriter(directory, 'event-log')).to.equal(undefined);
      const lock = await lockDataDirectory(directory, 'event-log');
      lock.reportStatus(() => ({ storageProblem: 'full' }));
      await lock.release();
      expect(await askPartWriter(directory, 'event-log')).to.equal(undefined);
      expect(await askPartWriter(path.join(directory, 'missing'), 'event-log')).to.equal(undefined);
    });

    it('should keep answering when the status cannot be read', async () => {
      const lock = await lockDataDirectory(directory, 'relay');
      held.push(lock);
      lock.reportStatus(() => {
        throw new Error('store closed');
      });
      expect(await askPartWriter(directory, 'relay')).to.deep.equal({});
    });
  });
});
