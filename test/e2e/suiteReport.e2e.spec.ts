/**
 * Prints, once after the whole run, how many HTTP requests and test cases the e2e suite made.
 * The hook is a root-level hook, so it runs after every spec file of the run.
 */
import type { Suite, Test } from 'mocha';
import { restRequestCount } from './support/restClient.js';

function e2eTests(suite: Suite): Test[] {
  const own = suite.tests.filter((test) => test.file !== undefined && /[\\/]test[\\/]e2e[\\/]/.test(test.file));
  return [...own, ...suite.suites.flatMap(e2eTests)];
}

after(function reportE2eTotals() {
  const root = this.test?.parent;
  if (root === undefined) return;
  const tests = e2eTests(root);
  const passed = tests.filter((test) => test.state === 'passed').length;
  const failed = tests.filter((test) => test.state === 'failed').length;
  console.log(`e2e: ${restRequestCount()} HTTP requests, ${tests.length} cases (${passed} passed, ${failed} failed)`);
});
