/**
 * Browser tests (npm run test:browser): Debian's chromium driven by playwright-core, against the
 * compiled service. Needs the `chromium` package (installed by .ci/run).
 */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.browser-spec\\.ts$',
  maxWorkers: 1,
  testTimeout: 180000,
};
