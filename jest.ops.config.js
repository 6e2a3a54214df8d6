/**
 * Operations suite (npm run test:ops): what needs the PostgreSQL client programs of the machine
 * (pg_dump, pg_restore: Debian's postgresql-client, installed by .ci/run) — backup and restore.
 */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.ops-spec\\.ts$',
  maxWorkers: 1,
  testTimeout: 240000,
};
