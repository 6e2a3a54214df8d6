/**
 * The reliability and security suite (npm run test:reliability): real service processes on real
 * PostgreSQL, faults injected. Files run one at a time: they start processes and stop databases.
 */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.reliability-spec\\.ts$',
  maxWorkers: 1,
  testTimeout: 240000,
};
