import { DataSource } from 'typeorm';
import { ADVISORY_LOCKS } from './advisory-locks';
import { checkNoUnknownMigrations } from './preflight';

/** Arbitrary constant: the advisory lock that lets one instance at a time run migrations. */
const MIGRATION_LOCK = ADVISORY_LOCKS.migrations;

/**
 * Applies pending migrations, each in its own transaction, while holding a session advisory lock
 * so that two instances starting together never run the same migration twice. Refuses a database
 * migrated by a newer version of the code (StartupError).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await checkNoUnknownMigrations(dataSource);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
