/** PDF checks with Debian's tools (qpdf, poppler-utils, zbar-tools), installed by .ci/run. */
const base = require('./jest.config.js');
module.exports = { ...base, roots: ['<rootDir>/test'], testRegex: '.*\\.tools-spec\\.ts$' };
