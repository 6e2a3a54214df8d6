import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { StartupError } from '../common/startup-error';

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → 15. */
function majorOf(program: string): number | undefined {
  const out = spawnSync(program, ['--version'], { encoding: 'utf8' });
  const match = out.status === 0 ? /\(PostgreSQL\) (\d+)/.exec(out.stdout) : null;
  return match ? Number(match[1]) : undefined;
}

/** The server's major version, e.g. 15. */
export async function serverMajor(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(
      `SELECT current_setting('server_version_num') AS v`,
    );
    return Math.floor(Number(rows[0].v) / 10000);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL client program (pg_dump, pg_restore) at least as new as the server — pg_dump
 * refuses older. Looked for in PG_BIN_DIR, then Debian's /usr/lib/postgresql/<major>/bin (newest
 * first), then PATH. Debian's package is `postgresql-client`.
 */
export function findPgTool(name: 'pg_dump' | 'pg_restore', minMajor: number): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(join(process.env.PG_BIN_DIR, name));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(debian, v, 'bin', name));
  }
  candidates.push(name);
  let tooOld: string | undefined;
  for (const program of candidates) {
    const major = majorOf(program);
    if (major === undefined) continue;
    if (major >= minMajor) return program;
    tooOld ??= `${program} is PostgreSQL ${major}`;
  }
  throw new StartupError(
    tooOld
      ? `${name} must be PostgreSQL ${minMajor} or newer (${tooOld})`
      : `${name} is not installed`,
    `install PostgreSQL ${minMajor}'s client programs (Debian: apt-get install postgresql-client), or set PG_BIN_DIR to their folder`,
  );
}

/** URL options the service's driver reads, as libpq's environment variables for pg_dump/pg_restore. */
const URL_OPTIONS: Record<string, (v: string) => Record<string, string>> = {
  sslmode: (v) => ({ PGSSLMODE: v }),
  ssl: (v): Record<string, string> => (/^(true|1)$/i.test(v) ? { PGSSLMODE: 'require' } : {}),
  sslrootcert: (v) => ({ PGSSLROOTCERT: v }),
  sslcert: (v) => ({ PGSSLCERT: v }),
  sslkey: (v) => ({ PGSSLKEY: v }),
  application_name: (): Record<string, string> => ({}),
};

/** The connection as libpq's environment (PGHOST…): never on a command line, where `ps` shows it. */
export function libpqEnvironment(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
  for (const [key, value] of u.searchParams) {
    const map = URL_OPTIONS[key];
    if (!map) {
      // an option dropped silently could weaken the connection (TLS) of the backup
      throw new StartupError(
        `DATABASE_URL option "${key}" is not understood by the backup commands`,
        `use libpq's own variables for it (PG…), or remove it; understood: ${Object.keys(URL_OPTIONS).join(', ')}`,
      );
    }
    Object.assign(env, map(value));
  }
  return env;
}

/** Runs a client program with the connection in its environment. */
export async function runPgTool(program: string, args: string[], url: string): Promise<void> {
  const env = { ...process.env, ...libpqEnvironment(url) };
  const child = spawn(program, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `${program} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
  }
}
