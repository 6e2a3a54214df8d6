import { Client } from 'pg';
import { ServiceProcess } from '../support/service-process';
import { api, BenchWorld, benchWorld, handOverRun } from '../support/world';
import {
  chequeCodes,
  freshDatabase,
  redeem,
  sql,
  startCompiled,
  suiteEnv,
  submittedClaim,
  holdAuditChains,
  releaseAuditChains,
  waitingOnAuditChains,
} from './support';

/**
 * The service is killed (SIGKILL: no shutdown hook, no cleanup) in the middle of a print run and
 * of a statement issue. After a restart nothing may be half-written.
 */
describe('Crash mid-write', () => {
  let db: string;
  let service: ServiceProcess;
  let world: BenchWorld;

  beforeAll(async () => {
    db = await freshDatabase();
    service = await startCompiled(suiteEnv(db));
    world = await benchWorld(service.url, 0);
  });
  afterAll(() => service?.stop());

  const kill = () => service.stop('SIGKILL');
  const start = async () => {
    // The server ends the dead client's sessions (and rolls their transactions back).
    for (let i = 0; i < 100; i++) {
      const [{ n }] = await sql<{ n: number }>(
        db,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pass-numerique' AND datname = current_database()`,
      );
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    service = await startCompiled(suiteEnv(db));
  };

  /** Holds the audit lock, so that the service's transaction stops after all its writes but before commit. */
  async function killWhileBlocked(send: () => Promise<unknown>): Promise<void> {
    const holder = new Client({ connectionString: db });
    await holder.connect();
    await holdAuditChains(holder);
    const pending = send().catch(() => undefined);
    try {
      for (let i = 0; ; i++) {
        if ((await waitingOnAuditChains(db, holder)) > 0) break;
        if (i > 600) throw new Error('the service never reached the audit lock');
        await new Promise((r) => setTimeout(r, 50));
      }
      await kill();
    } finally {
      await releaseAuditChains(holder);
      await holder.end();
      await pending;
    }
    await start();
  }

  async function invariants(): Promise<void> {
    const broken = await sql(
      db,
      `SELECT b.number, b.cheque_count, count(c.id)::int AS cheques FROM booklet b LEFT JOIN cheque c ON c.booklet_id = b.id
        GROUP BY b.id HAVING count(c.id) <> b.cheque_count`,
    );
    expect(broken).toEqual([]);
    const batches = await sql(
      db,
      `SELECT p.id, p.booklet_count, count(b.id)::int AS booklets FROM print_batch p LEFT JOIN booklet b ON b.batch_id = p.id
        GROUP BY p.id HAVING count(b.id) <> p.booklet_count`,
    );
    expect(batches).toEqual([]);
    const [money] = await sql<{ committed: string; booklets: string }>(
      db,
      `SELECT p.committed_cents::text AS committed,
              coalesce((SELECT sum(b.cheque_count * b.face_value_cents) FROM booklet b WHERE b.programme_id = p.id), 0)::text AS booklets
         FROM programme p WHERE p.id = $1`,
      [world.programmeId],
    );
    expect(money.committed).toBe(money.booklets);
    const statements = await sql(
      db,
      `SELECT s.number, s.line_count, count(l.*)::int AS lines FROM statement s LEFT JOIN statement_line l ON l.statement_id = s.id
        GROUP BY s.id HAVING count(l.*) <> s.line_count OR s.content_hash = ''`,
    );
    expect(statements).toEqual([]);
    const numbers = await sql<{ seq: number }>(db, `SELECT seq FROM statement ORDER BY seq`);
    expect(numbers.map((r) => r.seq)).toEqual(numbers.map((_, i) => i + 1));
  }

  /** Redeems one cheque; the status, or the refusal in full so that a failure says why. */
  async function redeemed(code: string): Promise<number | string> {
    const answer = await redeem(service.url, world.staff, [code]);
    return answer.status === 201 ? 201 : `${answer.status} ${JSON.stringify(answer.body)}`;
  }

  const printRun = (count: number) =>
    api<{ id: string }>(service.url, '/api/booklets/batches', world.admin, {
      programmeId: world.programmeId,
      count,
      siteId: world.siteId,
    });

  it('a print run killed after writing its booklets, before commit, leaves nothing', async () => {
    await killWhileBlocked(() => printRun(500));
    const [{ n }] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM booklet`);
    expect(n).toBe(0);
    await invariants();
  });

  it('a print run killed at a random moment while inserting leaves nothing half-written', async () => {
    const pending = printRun(4000).catch(() => undefined);
    // Wait until the service is inside its INSERTs, then kill it.
    for (let i = 0; ; i++) {
      const [{ n }] = await sql<{ n: number }>(
        db,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pass-numerique' AND state = 'active' AND query ILIKE '%INSERT%cheque%'`,
      );
      if (n > 0) break;
      if (i > 600) throw new Error('the print run never reached its INSERTs');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
    await kill();
    await pending;
    await start();
    await invariants();
    // The restarted service issues normally; the booklets are handed over for the next test.
    const run = await printRun(5);
    await handOverRun(service.url, world.admin, run.id);
    await invariants();
    const [{ n }] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM booklet`);
    // Killed before its commit: the 4,000 booklets are gone, the 5 are there.
    expect(n).toBe(5);
  });

  it('a statement issue killed before commit leaves no statement, no line, no used number; the next issue takes number 1', async () => {
    const codes = await chequeCodes(db, world.programmeId);
    expect(codes.length).toBe(50);
    for (const code of codes.slice(0, 30)) expect(await redeemed(code)).toBe(201);
    const claim = await submittedClaim(service.url, world.staff);

    await killWhileBlocked(() =>
      api(service.url, `/api/claims/${claim.id}/issue`, world.admin, {}),
    );
    const [state] = await sql<{ statements: number; lines: number; claim: string }>(
      db,
      `SELECT (SELECT count(*)::int FROM statement) AS statements, (SELECT count(*)::int FROM statement_line) AS lines,
              (SELECT status FROM claim WHERE id = $1) AS claim`,
      [claim.id],
    );
    expect(state).toEqual({ statements: 0, lines: 0, claim: 'SUBMITTED' });
    await invariants();

    const year = new Date().getFullYear();
    const issued = await api<{ number: string; lineCount: number; totalCents: number }>(
      service.url,
      `/api/claims/${claim.id}/issue`,
      world.admin,
      {},
    );
    expect(issued).toMatchObject({
      number: `ER-${year}-00001`,
      lineCount: 30,
      totalCents: 30_000,
    });
    for (const code of codes.slice(30, 35)) expect(await redeemed(code)).toBe(201);
    const second = await submittedClaim(service.url, world.staff);
    await killWhileBlocked(() =>
      api(service.url, `/api/claims/${second.id}/issue`, world.admin, {}),
    );
    const again = await api<{ number: string }>(
      service.url,
      `/api/claims/${second.id}/issue`,
      world.admin,
      {},
    );
    expect(again.number).toBe(`ER-${year}-00002`);
    await invariants();
  });
});
