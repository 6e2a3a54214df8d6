import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from 'pg';
import { parisToday } from '../../src/common/dates';
import { createTestDatabase, superuserQuery } from '../support/database';
import { ServiceProcess, startService } from '../support/service-process';
import { api, benchEnv } from '../support/world';

export const TODAY = parisToday(); // the service's day (Europe/Paris), not UTC's

/** Settings for suite services: limits high enough that the load itself is not rate-limited. */
export function suiteEnv(databaseUrl: string, extra: Record<string, string> = {}) {
  return benchEnv(databaseUrl, {
    LOOKUP_FAILURE_LIMIT: '1000000',
    PUBLIC_CHECK_LIMIT: '1000000',
    LOGIN_RATE_LIMIT_PER_IP: '100000',
    LOG_LEVEL: 'error',
    ...extra,
  });
}

/** A compiled service process (the suite's npm script builds first). */
export const startCompiled = (env: Record<string, string>): Promise<ServiceProcess> =>
  startService(env, { compiled: true });

export async function freshDatabase(): Promise<string> {
  return createTestDatabase('rel');
}

/** Runs one query on its own connection. */
export const sql = superuserQuery;

export interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
  ms: number;
}

/** One redemption request: fetch with a timeout, never throws for HTTP errors. */
export async function redeem(
  url: string,
  token: string,
  codes: string[],
  options: { key?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${url}/api/redemptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': options.key ?? randomUUID(),
    },
    body: JSON.stringify({ codes, activity: 'Smartphone', sessionDate: TODAY }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body,
    ms: Date.now() - started,
  };
}

/**
 * Holds every audit chain (their rows in audit_chain, FOR UPDATE, in an open transaction on
 * `holder`): a business transaction then stops at its audit event, just before its commit, until
 * releaseAuditChains.
 */
export async function holdAuditChains(holder: Client): Promise<void> {
  await holder.query('BEGIN');
  await holder.query('SELECT id FROM audit_chain ORDER BY id FOR UPDATE');
}

const holderPid = async (holder: Client): Promise<number> =>
  (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

export async function releaseAuditChains(holder: Client): Promise<void> {
  await holder.query('ROLLBACK');
}

/** The service's connections waiting for `holder` (while holdAuditChains: for an audit chain). */
export async function waitingOnAuditChains(db: string, holder: Client): Promise<number> {
  const [{ n }] = await sql<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = 'pass-numerique' AND wait_event_type = 'Lock'
        AND $1 = ANY(pg_blocking_pids(pid))`,
    [await holderPid(holder)],
  );
  return n;
}

/** Runs `tasks` with at most `width` in flight. */
export async function pool<T>(width: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

/** Cheque codes of the programme, in booklet order. */
export async function chequeCodes(url: string, programmeId: string): Promise<string[]> {
  const rows = await sql<{ code: string }>(
    url,
    `SELECT c.code FROM cheque c JOIN booklet b ON b.id = c.booklet_id
      WHERE b.programme_id = $1 ORDER BY b.number, c.position`,
    [programmeId],
  );
  return rows.map((r) => r.code);
}

export interface ClusterProcess {
  url: string;
  /** Fast shutdown of the server (open sessions are cut), then the process exits. */
  stop(): Promise<void>;
}

/** A PostgreSQL cluster run by test/tools/pg-cluster.ts, in `dir` on `port`; again = restart. */
export async function startClusterProcess(dir: string, port: number): Promise<ClusterProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', 'test/tools/pg-cluster.ts', dir, String(port)],
    { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /\{"url":"[^"]+"\}/.exec(out);
      if (line) resolve((JSON.parse(line[0]) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`pg-cluster exited (${code}): ${out}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Through the API: the association's claim of everything redeemed up to today, submitted. */
export async function submittedClaim(url: string, staffToken: string): Promise<{ id: string }> {
  const claim = await api<{ id: string }>(url, '/api/claims', staffToken, { upTo: TODAY });
  await api(url, `/api/claims/${claim.id}/submit`, staffToken, {});
  return claim;
}
