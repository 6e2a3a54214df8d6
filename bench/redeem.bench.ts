/**
 * npm run bench:redeem — HTTP redemptions (authentication, idempotency key, audit), one cheque each,
 * 32 concurrent connections (autocannon) against the compiled service, and two floors in the same
 * run at the same concurrency, straight from pg: the service's own SQL sequence, and an independent
 * minimal redemption (conditional update of the cheque, redemption, line, audit event: 4
 * statements in one transaction). Then the same HTTP load split over two service instances on the
 * same database.
 * Prints a JSON result line (collected by bench/run-all.ts).
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { postmasterPid, processCpuMs, selfCpuMs, treeCpuMs } from './cpu';
import { minimalRedemption, serviceSequence, sqlOf, Transaction } from './redemption-sql';
import { benchDatabase, benchEnv, BenchService, benchWorld, startCompiledService } from './support';

const CONNECTIONS = 32;
const PER_RUN = 4000;
const TODAY = new Date().toISOString().slice(0, 10);

interface Measure {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /**
   * CPU milliseconds per redemption: the service's processes, PostgreSQL's (and the part of it in
   * the kernel), this process's (load generator or pg clients).
   */
  cpuMs?: { service: number; postgres: number; postgresKernel: number; client: number };
}

/** Runs `run` and adds what it cost in CPU per redemption to its measure. */
async function withCpu(
  redemptions: number,
  postmaster: number,
  services: BenchService[],
  run: () => Promise<Measure>,
): Promise<Measure> {
  const read = () => {
    const pg = treeCpuMs(postmaster);
    return {
      service: services.reduce((sum, s) => sum + processCpuMs(s.child.pid!), 0),
      postgres: pg.total,
      postgresKernel: pg.system,
      client: selfCpuMs(),
    };
  };
  const before = read();
  const measure = await run();
  await new Promise((r) => setTimeout(r, 300)); // ended backends reaped by the postmaster
  const after = read();
  const per = (k: keyof typeof before) => +((after[k] - before[k]) / redemptions).toFixed(2);
  return {
    ...measure,
    cpuMs: {
      service: per('service'),
      postgres: per('postgres'),
      postgresKernel: per('postgresKernel'),
      client: per('client'),
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function httpRun(targets: BenchService[], token: string, codes: string[]): Promise<Measure> {
  let next = 0;
  const perTarget = Math.floor(CONNECTIONS / targets.length);
  const started = Date.now();
  const results = await Promise.all(
    targets.map((s) =>
      autocannon({
        url: `${s.url}/api/redemptions`,
        connections: perTarget,
        amount: Math.floor(codes.length / targets.length),
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, 'idempotency-key': randomUUID() },
              body: JSON.stringify({
                codes: [codes[next++]],
                activity: 'Smartphone',
                sessionDate: TODAY,
              }),
            }),
          },
        ],
      }),
    ),
  );
  const seconds = (Date.now() - started) / 1000;
  const ok = results.reduce((s, r) => s + r['2xx'], 0);
  const errors = results.reduce((s, r) => s + r.non2xx + r.errors, 0);
  return {
    perSecond: Math.round(ok / seconds),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors,
  };
}

/** `transaction` once per code, by 32 pg clients at once; BEGIN and COMMIT around each. */
async function sqlRun(url: string, codes: string[], transaction: Transaction): Promise<Measure> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = Date.now();
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const code = codes[next++];
        if (!code) return;
        const t0 = process.hrtime.bigint();
        try {
          await c.query('BEGIN');
          await transaction(sqlOf(c), code);
          await c.query('COMMIT');
        } catch {
          errors++;
          await c.query('ROLLBACK');
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round((codes.length - errors) / seconds),
    p50: +percentile(latencies, 50).toFixed(1),
    p99: +percentile(latencies, 99).toFixed(1),
    errors,
  };
}

async function main(): Promise<void> {
  const db = await benchDatabase();
  const env = benchEnv(db.url, { LOOKUP_FAILURE_LIMIT: '1000000' });
  // BENCH_PROFILE=dir: the first instance writes a V8 CPU profile there when it stops
  // (read it with bench/profile-summary.ts)
  const profile = process.env.BENCH_PROFILE;
  const one = await startCompiledService(
    env,
    profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  );
  let two: BenchService | undefined;
  try {
    const world = await benchWorld(one.url, 1700);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const codes: string[] = (
      await client.query(`SELECT code FROM cheque ORDER BY random()`)
    ).rows.map((r: { code: string }) => r.code);
    const postmaster = await postmasterPid(client);
    await client.end();
    const slice = (i: number) => codes.slice(i * PER_RUN, (i + 1) * PER_RUN);

    // Warm-up, then the measured runs.
    await httpRun([one], world.staff, codes.slice(codes.length - 500));
    const http1 = await withCpu(PER_RUN, postmaster, [one], () =>
      httpRun([one], world.staff, slice(0)),
    );
    const floor = await withCpu(PER_RUN, postmaster, [], () =>
      sqlRun(db.url, slice(1), serviceSequence(world.staffUserId, world.associationId)),
    );
    const minimal = await withCpu(PER_RUN, postmaster, [], () =>
      sqlRun(db.url, slice(2), minimalRedemption(world.staffUserId, world.associationId)),
    );
    two = await startCompiledService(env);
    const second = two;
    const http2 = await withCpu(PER_RUN, postmaster, [one, second], () =>
      httpRun([one, second], world.staff, slice(3)),
    );

    const result = {
      bench: 'redeem',
      connections: CONNECTIONS,
      redemptionsPerRun: PER_RUN,
      http1,
      floor,
      ratio: +(http1.perSecond / floor.perSecond).toFixed(2),
      minimal,
      ratioToMinimal: +(http1.perSecond / minimal.perSecond).toFixed(2),
      http2,
      scaling1to2: +(http2.perSecond / http1.perSecond).toFixed(2),
    };
    console.log(JSON.stringify(result));
  } finally {
    await two?.stop();
    await one.stop();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
