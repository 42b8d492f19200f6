import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * Start-up cost: every process of `keystream start` loads its modules before it serves, and a
 * server adapter's client library costs about a tenth of a second to load. On the embedded
 * default none of them may be loaded; they come in when a process is configured to use them.
 */
describe('what a process on the embedded default loads', () => {
  /** The packages under node_modules (mingo by file) that a fresh Node process has loaded after running `code`. */
  function packagesLoadedBy(code: string): string[] {
    const probe = `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${code}\nconst loaded = new Set(Object.keys(require.cache).map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(.*)/.exec(file)).filter(Boolean).map((match) => match[1] === 'mingo' ? 'mingo/' + match[2] : match[1]));\nprocess.stdout.write(JSON.stringify([...loaded]));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', '--input-type=module', '-e', probe], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
    return JSON.parse(output) as string[];
  }

  it('should load the application without the EventStoreDB, MongoDB and Kafka clients or mingo\'s whole operator set', function () {
    this.timeout(60_000);
    const loaded = packagesLoadedBy(`await import('./keystreamProcess.js');`);
    // The probe itself works: the embedded stores' engine is there.
    expect(loaded).to.include('lmdb');
    expect(loaded).not.to.include('@eventstore/db-client');
    expect(loaded).not.to.include('mongodb');
    expect(loaded).not.to.include('kafkajs');
    expect(loaded).not.to.include('mingo/cjs/index.js');
  });
});
