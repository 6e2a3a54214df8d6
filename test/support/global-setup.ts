import { startThrowawayPostgres } from './throwaway-postgres';

/**
 * One throwaway PostgreSQL cluster for the whole run. Each test file creates its own database in
 * it, so files run in parallel safely.
 */
export default async function globalSetup(): Promise<void> {
  const db = await startThrowawayPostgres();
  process.env.PN_TEST_ADMIN_URL = db.url;
  (globalThis as { __PN_TEST_DB__?: typeof db }).__PN_TEST_DB__ = db;
}
