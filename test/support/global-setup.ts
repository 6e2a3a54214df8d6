import { Client } from 'pg';
import { startThrowawayPostgres } from './throwaway-postgres';

/**
 * One PostgreSQL server for the whole run, in which each test file creates its own database, so
 * files run in parallel safely: a throwaway embedded cluster, or — when TEST_DATABASE_URL is set
 * (a role allowed to create databases) — that server, as .ci/run does with Debian's PostgreSQL.
 */
export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    const client = new Client({ connectionString: external });
    await client.connect();
    const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
    await client.end();
    process.stdout.write(`\nTests on the server of TEST_DATABASE_URL: ${rows[0].v}\n`);
    process.env.PN_TEST_ADMIN_URL = external;
    return;
  }
  const db = await startThrowawayPostgres();
  process.env.PN_TEST_ADMIN_URL = db.url;
  (globalThis as { __PN_TEST_DB__?: typeof db }).__PN_TEST_DB__ = db;
}
