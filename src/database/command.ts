/** Shared plumbing of the command-line tools: the database URL, a data source, one-line failures. */
import { DataSource } from 'typeorm';
import { StartupError } from '../common/startup-error';
import { AppEnv, validateEnv } from '../config/env.validation';
import { dataSourceOptions, EntityList } from './data-source-options';
import { startEmbeddedPostgres } from './embedded/embedded-postgres';
import { checkConnection } from './preflight';

/**
 * Runs `fn` with the URL of the service's database: DATABASE_URL, or the embedded cluster under
 * DATA_DIR (started for the command, or the one a running service already has).
 */
export async function withDatabaseUrl<T>(fn: (url: string, env: AppEnv) => Promise<T>): Promise<T> {
  const env = validateEnv(process.env);
  if (env.DATABASE_URL) {
    await checkConnection(env.DATABASE_URL, env.DATABASE_CONNECT_WAIT_SECONDS * 1000);
    return fn(env.DATABASE_URL, env);
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: env.DATA_DIR,
    systemDir: env.EMBEDDED_SYSTEM_DIR,
  });
  try {
    return await fn(embedded.url, env);
  } finally {
    await embedded.stop();
  }
}

/** Runs `fn` with a data source on `url` (with the given entities, none for raw SQL), closed afterwards. */
export async function onDataSource<T>(
  url: string,
  fn: (ds: DataSource) => Promise<T>,
  entities: EntityList = [],
): Promise<T> {
  const ds = new DataSource(dataSourceOptions(url, entities));
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

export async function withDataSource<T>(
  fn: (ds: DataSource) => Promise<T>,
  entities: EntityList = [],
): Promise<T> {
  return withDatabaseUrl((url) => onDataSource(url, fn, entities));
}

/** How a command ends on an error: one line, and exit code 2 (1 means "checked, and found bad"). */
export function failCommand(err: unknown): never {
  const line =
    err instanceof StartupError
      ? `${err.reason} — ${err.fix}`
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(line);
  process.exit(2);
}
