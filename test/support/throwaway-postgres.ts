import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RunningDatabase,
  startEmbeddedPostgres,
} from '../../src/database/embedded/embedded-postgres';

/**
 * A PostgreSQL cluster for tests and benchmarks: a temporary directory, a free port, durability
 * off (fsync, synchronous commit), and everything deleted when stopped.
 */
/** No durability, many connections: for clusters whose data does not matter after the run. */
export const THROWAWAY_FLAGS = [
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
  '-c',
  'max_connections=300',
];

export async function startThrowawayPostgres(database = 'postgres'): Promise<RunningDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pn-pg-'));
  const db = await startEmbeddedPostgres({
    dataDir,
    database,
    persistent: false,
    postgresFlags: THROWAWAY_FLAGS,
  });
  return {
    url: db.url,
    stop: async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
