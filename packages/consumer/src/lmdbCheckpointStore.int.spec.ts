import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLmdbCheckpoints } from './lmdbCheckpointStore.js';

describe('LmdbCheckpoints', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-checkpoints-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('should keep each consumer its own checkpoint across a reopen', async () => {
    const first = openLmdbCheckpoints({ path: directory });
    expect(await first.of('kafka-relay').load()).to.equal(undefined);
    await first.of('kafka-relay').save('00000000000000a0');
    await first.of('ndjson-relay').save('0000000000000003');
    await first.close();
    const second = openLmdbCheckpoints({ path: directory });
    expect(await second.of('kafka-relay').load()).to.equal('00000000000000a0');
    expect(await second.of('ndjson-relay').load()).to.equal('0000000000000003');
    await second.close();
  });
});
