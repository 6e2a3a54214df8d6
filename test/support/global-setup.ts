import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One throwaway PostgreSQL cluster for the whole run (temporary directory, free port, files deleted
 * at the end). Each test file creates its own database in it, so files run in parallel safely.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-test-'));
  const db = await startEmbeddedPostgres({
    dataDir,
    database: 'postgres',
    persistent: false,
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
  });
  process.env.PN_TEST_ADMIN_URL = db.url;
  (globalThis as { __PN_TEST_DB__?: typeof db }).__PN_TEST_DB__ = db;
}
