import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CommandService } from '@keystream/service-api';
import { loadConfig } from './config.js';
import { composeKeystream } from './container.js';
import { createLogger } from './logger.js';

describe('composeKeystream', () => {
  let directory: string;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'keystream-graph-'));
  });

  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function graphIn(dataDirectory: string): ReturnType<typeof composeKeystream> {
    const config = loadConfig({ KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_HTTP_PORT: '0', KEYSTREAM_GRPC_PORT: '0', KEYSTREAM_LOG_LEVEL: 'silent' });
    return composeKeystream(config, createLogger(config));
  }

  it('should make nothing until a component is asked for, then make each once', async () => {
    const dataDirectory = path.join(directory, 'data');
    const graph = graphIn(dataDirectory);
    expect(fs.existsSync(dataDirectory)).to.equal(false);
    const [first, second] = await Promise.all([graph.commands(), graph.commands()]);
    expect(first).to.equal(second);
    expect(await graph.eventStore()).to.equal(await graph.eventStore());
    await graph.close();
  });

  it('should close the stores it opened: a closed graph\'s event store refuses to read', async () => {
    const graph = graphIn(directory);
    const store = await graph.eventStore();
    await graph.close();
    let refused = false;
    try {
      await store.headPosition();
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
  });

  it('should type every dependency: swapped ones do not compile', async () => {
    const graph = graphIn(directory);
    const [eventStore, repository, children] = await Promise.all([graph.eventStore(), graph.repository(), graph.childCounter()]);
    expect(new CommandService(eventStore, repository, children)).to.be.instanceOf(CommandService);
    /* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- the swap is what this test checks the compiler refuses */
    // @ts-expect-error the repository and the event store swapped places
    expect(() => new CommandService(repository, eventStore, children)).to.not.throw();
    /* eslint-enable @typescript-eslint/no-unsafe-class-instance-assignment */
    await graph.close();
  });
});
