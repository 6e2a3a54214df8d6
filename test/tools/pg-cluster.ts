/**
 * A PostgreSQL cluster in its own process, for tests that stop and restart the database under a
 * running service: `node -r ts-node/register/transpile-only test/tools/pg-cluster.ts <dir> <port>`
 * prints `{"url": …}` once the server accepts connections, and stops it (fast shutdown: open
 * sessions are cut) on SIGTERM. The data stays in <dir>, so a second start on the same port is a
 * restart.
 */
import { startEmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';
import { THROWAWAY_FLAGS } from '../support/throwaway-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const db = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    persistent: true,
    postgresFlags: THROWAWAY_FLAGS,
  });
  process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
  const stop = () => {
    void db.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
