/**
 * The lint rules the project relies on actually fire: each fixture in test/lint-fixtures breaks
 * one rule, and ESLint (with the repository's own configuration) must report exactly that rule.
 */
import { expect } from 'chai';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

const EXPECTATIONS: readonly [fixture: string, rule: string][] = [
  ['cycleFirst.ts', 'import-x/no-cycle'],
  ['deepImport.ts', 'no-restricted-imports'],
  ['floatingPromise.ts', '@typescript-eslint/no-floating-promises'],
  ['nonExhaustiveSwitch.ts', '@typescript-eslint/switch-exhaustiveness-check'],
];

describe('the ESLint configuration', function () {
  this.timeout(120_000);
  let results: ESLint.LintResult[] = [];

  before(async () => {
    const eslint = new ESLint({ cwd: repositoryRoot, ignore: false });
    results = await eslint.lintFiles(EXPECTATIONS.map(([fixture]) => `test/lint-fixtures/${fixture}`));
  });

  for (const [fixture, rule] of EXPECTATIONS) {
    it(`should report ${rule} in ${fixture}`, () => {
      const result = results.find((candidate) => candidate.filePath.endsWith(fixture));
      expect(result?.messages.map((message) => message.ruleId)).to.include(rule);
    });
  }
});
