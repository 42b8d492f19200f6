/**
 * CI's closing line (.ci/test-summary.sh): a reader of CI logs counts a run's tests from its last
 * line only if that line has the plain form "N passed, N failed[, N skipped]". Fed the log of a
 * real mocha run, the script must close on that line with mocha's counts.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The plain closing line, as the workplace reads it: one word and a colon may stand before the counts. */
const PLAIN_CLOSING_LINE = /^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/u;

function summaryOf(log: string, status: number): string[] {
  const directory = mkdtempSync(join(tmpdir(), 'keystream-ci-summary-'));
  try {
    const file = join(directory, 'test.log');
    writeFileSync(file, log);
    const run = spawnSync('bash', ['.ci/test-summary.sh', file, String(status)], { cwd: repositoryRoot, encoding: 'utf8' });
    expect(run.status, run.stderr).to.equal(0);
    return run.stdout.trimEnd().split('\n');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe("CI's closing line", function () {
  this.timeout(60_000);

  it("should close on the plain line with the counts of a real mocha run's summary", () => {
    // The root hooks' leaky fixture: mocha prints "1 failing" (and no passing test) and exits 1.
    const run = spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', '--config', '.mocharc.cjs', '--exit', 'test/tooling/fixtures/leakyTimer.fixture.ts'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      timeout: 50_000,
    });
    const lines = summaryOf(run.stdout + run.stderr, run.status ?? 1);
    expect(lines.at(-2)).to.equal(`exit status ${run.status ?? 1}`);
    const counts = PLAIN_CLOSING_LINE.exec(lines.at(-1) ?? '');
    expect(counts, lines.at(-1)).to.not.equal(null);
    const failing = /(\d+) failing/u.exec(run.stdout)?.[1];
    expect(failing, 'the fixture run fails').to.not.equal(undefined);
    expect(counts?.[2]).to.equal(failing);
  });

  it('should take the last summary in the log, pending as skipped, and 0 for what mocha did not print', () => {
    const log = ['  12 passing (2s)', '  1 pending', '', 'later output', '  2472 passing (9m)', '  3 pending', ''].join('\n');
    expect(summaryOf(log, 0)).to.deep.equal(['exit status 0', 'tests: 2472 passed, 0 failed, 3 skipped']);
    expect(summaryOf('mocha crashed before its summary\n', 7)).to.deep.equal(['exit status 7', 'tests: 0 passed, 0 failed, 0 skipped']);
  });
});
