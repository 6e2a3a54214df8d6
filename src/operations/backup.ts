import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { link, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { StartupError } from '../common/startup-error';
import { findPgTool, runPgTool, serverMajor } from './pg-tools';

export interface BackupFile {
  file: string;
  bytes: number;
  sha256: string;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `pass-numerique-20261201-184502.dump`, in UTC so that names sort in time order. */
export function backupName(at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `pass-numerique-${stamp}.dump`;
}

/**
 * A consistent dump of the whole database (pg_dump, custom format: one snapshot, compressed,
 * restorable table by table) into `<dir>/pass-numerique-<UTC date and time>.dump`, mode 0600.
 * Written beside, synced, then linked under its name: a file with that name is always complete,
 * and an existing one is never replaced.
 */
export async function backup(url: string, dir: string): Promise<BackupFile> {
  const pgDump = findPgTool('pg_dump', await serverMajor(url));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = resolve(join(dir, backupName()));
  // The dump holds personal data and bank details: readable by the owner only, from the start.
  const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(partial, '', { mode: 0o600, flag: 'wx' });
    await runPgTool(pgDump, ['--format=custom', '--compress=6', `--file=${partial}`], url);
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    // link, not rename: never replaces a file of the same name
    await link(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  const folder = await open(dir, 'r');
  await folder.sync();
  await folder.close();
  return { file, bytes: (await stat(file)).size, sha256: await sha256Of(file) };
}

/** Tables in the database's own schemas (an empty database has none). */
async function tableCount(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

/**
 * Restores a dump made by `backup` into an empty database, in one transaction (all or nothing),
 * without the original owner and grants (the target's user owns what it restores). Refuses a
 * database that already has tables: a restore never mixes with data.
 */
export async function restore(url: string, file: string): Promise<void> {
  if (!existsSync(file)) {
    throw new StartupError(
      `no backup file ${file}`,
      'give the path of a file made by npm run backup',
    );
  }
  if ((await tableCount(url)) > 0) {
    throw new StartupError(
      'the target database is not empty',
      'restore into an empty database: a new DATA_DIR for the embedded one, or a new database in DATABASE_URL',
    );
  }
  const pgRestore = findPgTool('pg_restore', await serverMajor(url));
  await runPgTool(
    pgRestore,
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      // the name only: host, user and password come from the environment (PGHOST…), off `ps`
      `--dbname=${decodeURIComponent(new URL(url).pathname.slice(1))}`,
      file,
    ],
    url,
  );
}
