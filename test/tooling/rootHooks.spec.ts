/**
 * The root hooks fail a test that leaves a handle open: run a deliberately leaky spec in a child
 * mocha with the repository's configuration and check that the run fails naming the leak.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the root hooks', function () {
  this.timeout(60_000);

  describe('when a test leaves a timer running', () => {
    it('should fail the run and name the leaked resource', () => {
      const run = spawnSync(
        process.execPath,
        ['node_modules/mocha/bin/mocha.js', '--config', '.mocharc.cjs', '--exit', 'test/tooling/fixtures/leakyTimer.fixture.ts'],
        { cwd: repositoryRoot, encoding: 'utf8', timeout: 50_000 },
      );
      expect(run.status, run.stdout + run.stderr).to.not.equal(0);
      expect(run.stdout + run.stderr).to.match(/left resources open: \d+ × Timeout/);
    });
  });
});
