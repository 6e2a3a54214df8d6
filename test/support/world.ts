import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createAssociation, createProgramme, createSite, handOver } from './factories';
import { signInAt } from './second-factor';

/**
 * A world to run the real service against, built through its own API with the same fixture
 * builder as the tests (factories.ts): the service's settings for a database, and a programme with
 * an accredited association, its staff and (optionally) a print run. Used by the reliability
 * suite and the benchmarks.
 */
export async function api<T>(
  url: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<T> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const BENCH_ADMIN = { email: 'bench@bench.local', password: 'bench-password-long' };
export const BENCH_STAFF = { email: 'staff@bench.local', password: 'bench-password-long' };

/** The service's settings for a benchmark on `databaseUrl`. */
export function benchEnv(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-000',
    TOTP_KEY: 'bench-totp-key-bench-totp-key-bench-totp-key',
    ADMIN_EMAIL: BENCH_ADMIN.email,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    ...extra,
  };
}

export interface BenchWorld {
  admin: string;
  staff: string;
  staffUserId: string;
  programmeId: string;
  associationId: string;
  /** The distribution site of the world's print runs. */
  siteId: string;
}

/**
 * Through the API: a programme with a large budget, an accredited association with one staff
 * member, and (if `booklets` > 0) a print run of that many booklets.
 */
export async function benchWorld(url: string, booklets: number): Promise<BenchWorld> {
  const admin = await signInAt(url, BENCH_ADMIN);
  const target = { http: url, adminToken: () => Promise.resolve(admin) };
  const programme = await createProgramme(target, {
    name: 'Bench',
    validFrom: '2020-01-01',
    expiresOn: '2099-12-31',
    claimDeadline: '2099-12-31',
    budgetCents: 10_000_000_000,
    activities: ['Smartphone'],
  });
  const association = await createAssociation(
    target,
    { name: 'Bench', postalCode: '31000' },
    { validFrom: '2020-01-01', validUntil: '2099-12-31' },
  );
  const user = await api<{ id: string }>(url, '/api/users', admin, {
    ...BENCH_STAFF,
    role: 'ASSOCIATION',
    associationId: association.id,
  });
  const staff = await signInAt(url, BENCH_STAFF);
  const site = await createSite(target, { name: `Bench ${Date.now()}` });
  if (booklets > 0) {
    const run = await api<{ id: string }>(url, '/api/booklets/batches', admin, {
      programmeId: programme.id,
      count: booklets,
      siteId: site.id,
    });
    // the benchmarks redeem these cheques: every booklet is handed over first
    await handOverRun(url, admin, run.id);
  }
  return {
    admin,
    staff,
    staffUserId: user.id,
    programmeId: programme.id,
    associationId: association.id,
    siteId: site.id,
  };
}

/** Hands over every booklet of print run `runId` still in stock, so that its cheques redeem. */
export async function handOverRun(url: string, admin: string, runId: string): Promise<void> {
  const target = { http: url, adminToken: () => Promise.resolve(admin) };
  for (;;) {
    const list = await api<{ items: { id: string }[] }>(
      url,
      `/api/booklets?batchId=${runId}&status=IN_STOCK&pageSize=100`,
      admin,
    );
    if (list.items.length === 0) return;
    for (const b of list.items) await handOver(target, b.id, { postalCode: '31000' }, admin);
  }
}

/**
 * An administrator created on the server, as the département's IT does with
 * `npm run user:create-admin` (the compiled CLI, password on standard input): independent of the
 * administrators created through the API, so it may approve what they prepare.
 */
export function createAdminOnServer(
  env: Record<string, string>,
  account: { email: string; password: string },
): void {
  execFileSync(process.execPath, ['dist/src/users/create-admin.cli.js', account.email], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    input: `${account.password}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}
