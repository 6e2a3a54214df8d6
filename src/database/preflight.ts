import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { errnoCode, StartupError } from '../common/startup-error';
import { MIGRATIONS_TABLE } from './data-source-options';

/** `host:port/database` of a URL, without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Errors worth waiting for at start (a server still starting, as in `docker compose up`). */
const TRANSIENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', '57P03', 'ETIMEDOUT']);

/** The one-line reason and fix for a connection that failed. */
export function connectionProblem(url: string, err: unknown, code = errnoCode(err)): StartupError {
  const where = describeUrl(url);
  const user = (() => {
    try {
      return decodeURIComponent(new URL(url).username) || '(none)';
    } catch {
      return '(none)';
    }
  })();
  const fixUrl = 'correct DATABASE_URL (or unset it to use the embedded database)';
  switch (code) {
    case 'ECONNREFUSED':
      return new StartupError(`no PostgreSQL answers at ${where}`, `start it, or ${fixUrl}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`the database host of ${where} is not found`, fixUrl);
    case 'ETIMEDOUT':
      return new StartupError(`no answer from ${where} in 5 s`, `check the network, or ${fixUrl}`);
    case '28P01':
    case '28000':
      return new StartupError(
        `PostgreSQL at ${where} refused user "${user}" (wrong password, or not allowed to connect)`,
        `correct the user and password in DATABASE_URL`,
      );
    case '3D000':
      return new StartupError(
        `the database of ${where} does not exist`,
        `create it (createdb, owned by "${user}"), or ${fixUrl}`,
      );
    case '57P03':
      return new StartupError(`PostgreSQL at ${where} is still starting`, 'start again shortly');
    default:
      return new StartupError(
        `cannot connect to ${where}: ${err instanceof Error ? err.message : String(err)}`,
        fixUrl,
      );
  }
}

/**
 * Connects once before the application does, so that a wrong DATABASE_URL ends the start with a
 * clear line instead of a driver's stack trace; waits up to `waitMs` for a server still starting.
 */
export async function checkConnection(url: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      // node-postgres reports its own connection timeout without a code
      const code = errnoCode(err) ?? (/timeout/i.test(String(err)) ? 'ETIMEDOUT' : undefined);
      const problem = connectionProblem(url, err, code);
      if (!code || !TRANSIENT.has(code) || Date.now() > deadline) throw problem;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Refuses to start on a database migrated by a newer version of the service: its migrations
 * table names a migration this code does not have.
 */
export async function checkNoUnknownMigrations(dataSource: DataSource): Promise<void> {
  const [{ present }] = await dataSource.query<{ present: boolean }[]>(
    `SELECT to_regclass($1) IS NOT NULL AS present`,
    [MIGRATIONS_TABLE],
  );
  if (!present) return;
  const applied = await dataSource.query<{ name: string }[]>(
    `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY timestamp`,
  );
  const known = new Set(dataSource.migrations.map((m) => m.name ?? m.constructor.name));
  const unknown = applied.map((m) => m.name).filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new StartupError(
      `the database was migrated by a newer version of the service (unknown migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')})`,
      'run that newer version, or restore a backup made before the upgrade (npm run restore)',
    );
  }
}
