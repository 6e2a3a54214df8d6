import { randomUUID } from 'node:crypto';
import { ServiceProcess } from '../support/service-process';
import { BenchWorld, benchWorld } from '../support/world';
import { Client } from 'pg';
import {
  Answer,
  chequeCodes,
  freshDatabase,
  redeem,
  sql,
  startCompiled,
  suiteEnv,
  holdAuditChains,
  releaseAuditChains,
  waitingOnAuditChains,
} from './support';

async function until(what: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * SIGTERM in the middle of redemptions: the service stops accepting at once, finishes the
 * requests it had begun (here held inside their transactions by a lock the test holds), answers
 * them, then closes the database. No request it had begun is left without its answer, and nothing
 * is half-written.
 */
describe('Graceful stop', () => {
  let db: string;
  let world: BenchWorld;
  let codes: string[];
  let holder: Client;

  beforeAll(async () => {
    db = await freshDatabase();
    const setup = await startCompiled(suiteEnv(db));
    world = await benchWorld(setup.url, 10);
    codes = await chequeCodes(db, world.programmeId);
    await setup.stop();
  });
  beforeEach(async () => {
    holder = new Client({ connectionString: db });
    await holder.connect();
  });
  afterEach(async () => {
    await holder.end().catch(() => undefined);
  });

  it('requests in flight at SIGTERM are finished and answered; new ones are refused; every 201 is in the database, whole', async () => {
    const service: ServiceProcess = await startCompiled(
      suiteEnv(db, { SHUTDOWN_GRACE_SECONDS: '20' }),
    );
    await holdAuditChains(holder);
    const keys = codes.slice(0, 20).map(() => randomUUID());
    const inFlight = codes
      .slice(0, 20)
      .map((code, i) => redeem(service.url, world.staff, [code], { key: keys[i] }));
    // All 20 have inserted their redemption and wait, inside their transaction, for the lock.
    await until(async () => (await waitingOnAuditChains(db, holder)) === 20);

    const exited = service.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // No longer accepting: a new request is refused at the door.
    const late = await fetch(`${service.url}/health`).then(
      (r) => `answered ${r.status}`,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
    );
    expect(late).toBe('ECONNREFUSED');
    expect(service.child.exitCode).toBeNull(); // still finishing the 20

    await releaseAuditChains(holder);
    const answers: Answer[] = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    for (const a of answers) expect(a.body).toMatchObject({ status: 'ACTIVE', totalCents: 1000 });
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });

    const rows = await sql<{ key: string; lines: number; cheque_status: string }>(
      db,
      `SELECT k.key, count(l.id)::int AS lines, min(c.status) AS cheque_status
         FROM idempotency_key k
         JOIN redemption r ON r.id = (k.response_body->>'id')::uuid
         JOIN redemption_line l ON l.redemption_id = r.id AND l.active
         JOIN cheque c ON c.id = l.cheque_id
        WHERE k.key = ANY($1) AND k.status = 'COMPLETED'
        GROUP BY k.key`,
      [keys],
    );
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.lines === 1 && r.cheque_status === 'REDEEMED')).toBe(true);
  });

  it('a request still running after the grace period is cut, the service stops anyway, and nothing of it is written; its retry succeeds once', async () => {
    const service = await startCompiled(suiteEnv(db, { SHUTDOWN_GRACE_SECONDS: '1' }));
    await holdAuditChains(holder);
    const key = randomUUID();
    const code = codes[30];
    const stuck = redeem(service.url, world.staff, [code], { key }).then(
      (a) => `answered ${a.status}`,
      (e: Error) => `cut: ${e.message}`,
    );
    await until(async () => (await waitingOnAuditChains(db, holder)) === 1);
    const started = Date.now();
    const exit = await service.stop('SIGTERM');
    const tookMs = Date.now() - started;
    expect(await stuck).toMatch(/^cut: /);
    // Stopped by the signal once the cut request's handler gave up, or, at the latest, by the
    // hard stop 10 s after the grace period (exit 1).
    expect(exit.signal === 'SIGTERM' || exit.code === 1).toBe(true);
    expect(tookMs).toBeGreaterThanOrEqual(1000);
    expect(tookMs).toBeLessThan(15_000);
    await releaseAuditChains(holder);
    // The process is gone: PostgreSQL rolled its transaction back.
    await until(async () => (await waitingOnAuditChains(db, holder)) === 0);
    const [{ n }] = await sql<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id WHERE c.code = $1`,
      [code],
    );
    expect(n).toBe(0);

    const again = await startCompiled(suiteEnv(db));
    try {
      const retried = await redeem(again.url, world.staff, [code], { key });
      expect(retried.status).toBe(201);
      const replay = await redeem(again.url, world.staff, [code], { key });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(retried.body);
    } finally {
      await again.stop();
    }
  });
});
