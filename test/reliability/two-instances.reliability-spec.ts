import { ServiceProcess } from '../support/service-process';
import { BenchWorld, benchWorld } from '../support/world';
import { chequeCodes, freshDatabase, pool, redeem, sql, startCompiled, suiteEnv } from './support';

/**
 * Two application processes on one PostgreSQL database: the exactly-once guarantee holds across
 * instances, not only inside one process.
 */
describe('Two instances, one database', () => {
  let db: string;
  let one: ServiceProcess;
  let two: ServiceProcess;
  let world: BenchWorld;
  let codes: string[];

  beforeAll(async () => {
    db = await freshDatabase();
    one = await startCompiled(suiteEnv(db));
    two = await startCompiled(suiteEnv(db));
    world = await benchWorld(one.url, 206);
    codes = await chequeCodes(db, world.programmeId);
    expect(codes).toHaveLength(2060);
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
  });

  it('50 concurrent redemptions of one cheque split across both instances: exactly one succeeds', async () => {
    const code = codes[0];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => redeem(i % 2 ? two.url : one.url, world.staff, [code])),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(new Set(answers.filter((a) => a.status === 409).map((a) => a.body.code))).toEqual(
      new Set(['CHEQUE_ALREADY_REDEEMED']),
    );
    const [{ n }] = await sql<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id WHERE c.code = $1 AND l.active`,
      [code],
    );
    expect(n).toBe(1);
  });

  it('2,000 redemptions of distinct cheques across both: each cheque redeemed once, count and total match the database', async () => {
    const batch = codes.slice(10, 2010);
    const answers = await pool(
      16,
      batch.map((code, i) => () => redeem(i % 2 ? two.url : one.url, world.staff, [code])),
    );
    const failed = answers.filter((a) => a.status !== 201);
    expect(failed.map((a) => `${a.status} ${String(a.body.code)}`)).toEqual([]);
    const answeredCents = answers.reduce((s, a) => s + Number(a.body.totalCents), 0);
    expect(answeredCents).toBe(2000 * 1000);

    const [db1] = await sql<{ lines: number; cheques: number; cents: string; redemptions: number }>(
      db,
      `SELECT count(*)::int AS lines, count(DISTINCT l.cheque_id)::int AS cheques,
              sum(l.amount_cents)::text AS cents, count(DISTINCT l.redemption_id)::int AS redemptions
         FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id
        WHERE l.active AND c.code = ANY($1)`,
      [batch],
    );
    expect(db1).toEqual({
      lines: 2000,
      cheques: 2000,
      cents: String(2000 * 1000),
      redemptions: 2000,
    });
    // Each answer's redemption id is the row the database holds.
    const ids = answers.map((a) => String(a.body.id));
    const [{ found }] = await sql<{ found: number }>(
      db,
      `SELECT count(*)::int AS found FROM redemption WHERE id = ANY($1::uuid[]) AND status = 'ACTIVE'`,
      [ids],
    );
    expect(found).toBe(2000);
    // Both instances served traffic.
    expect(new Set(answers.map((_, i) => i % 2)).size).toBe(2);
  });
});
