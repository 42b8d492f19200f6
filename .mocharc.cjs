// Shared mocha configuration for the root run and every package's own `npm test`.
// Specs run from TypeScript source through tsx; the keystream-source export condition makes
// workspace imports resolve to src/ so nothing has to be built first. Paths are absolute so the
// same file works from any workspace directory.
const path = require('node:path');

module.exports = {
  'node-option': ['import=tsx', 'conditions=keystream-source'],
  require: [path.join(__dirname, 'test', 'support', 'parallelWorkers.ts'), path.join(__dirname, 'test', 'support', 'rootHooks.ts')],
  extension: ['ts'],
  timeout: 20000,
  reporter: 'spec',
};
