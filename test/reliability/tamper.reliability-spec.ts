import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ServiceProcess } from '../support/service-process';
import { api, BenchWorld, benchWorld } from '../support/world';
import {
  chequeCodes,
  freshDatabase,
  redeem,
  sql,
  startCompiled,
  suiteEnv,
  submittedClaim,
} from './support';

/** `npm run audit:verify`, compiled, against the database. */
function auditVerify(databaseUrl: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, ['dist/src/audit/verify.cli.js'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' },
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

/**
 * Someone with SQL access changes history: an issued statement or an audit row. The database
 * refuses; if its guards are switched off first (superuser), audit:verify names what was changed.
 */
describe('Tampering with statements and the audit log', () => {
  let db: string;
  let service: ServiceProcess;
  let world: BenchWorld;
  let statement: { id: string; number: string };

  beforeAll(async () => {
    db = await freshDatabase();
    service = await startCompiled(suiteEnv(db));
    world = await benchWorld(service.url, 1);
    const codes = await chequeCodes(db, world.programmeId);
    for (const code of codes.slice(0, 4))
      expect((await redeem(service.url, world.staff, [code])).status).toBe(201);
    const claim = await submittedClaim(service.url, world.staff);
    statement = await api(service.url, `/api/claims/${claim.id}/issue`, world.admin, {});
    // A redemption not on any statement yet: a candidate for a forged extra line.
    expect((await redeem(service.url, world.staff, [codes[4]])).status).toBe(201);
  });
  afterAll(() => service?.stop());

  it('starts intact', () => {
    const run = auditVerify(db);
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/Audit chains intact: \d+ events verified/);
    expect(run.output).toContain('Statements intact: 1 checked');
  });

  it.each([
    [
      'change a line amount',
      `UPDATE statement_line SET amount_cents = 99900 WHERE statement_id = $1`,
      /UPDATE on statement_line is forbidden/,
    ],
    [
      'delete a line',
      `DELETE FROM statement_line WHERE statement_id = $1`,
      /DELETE on statement_line is forbidden/,
    ],
    [
      'add a line',
      `INSERT INTO statement_line (statement_id, line_no, redemption_line_id, session_date, activity, booklet_number, cheque_position, amount_cents)
       SELECT $1, 99, l.id, r.session_date, r.activity, 'X', 1, l.amount_cents
         FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
        WHERE NOT EXISTS (SELECT 1 FROM statement_line s WHERE s.redemption_line_id = l.id)`,
      /is sealed: no line can be added/,
    ],
    [
      'change the total',
      `UPDATE statement SET total_cents = total_cents + 1 WHERE id = $1`,
      /is frozen/,
    ],
    [
      'change the payee IBAN',
      `UPDATE statement SET association_iban = 'FR7612345000010000000000000' WHERE id = $1`,
      /is frozen/,
    ],
    ['delete the statement', `DELETE FROM statement WHERE id = $1`, /statements are immutable/],
    ['truncate the lines', `TRUNCATE statement_line`, /TRUNCATE on statement_line is forbidden/],
  ])('the database refuses to %s of an issued statement', async (_what, text, reason) => {
    await expect(sql(db, text, text.includes('$1') ? [statement.id] : [])).rejects.toThrow(reason);
    const [{ lines, total }] = await sql<{ lines: number; total: string }>(
      db,
      `SELECT count(l.*)::int AS lines, s.total_cents::text AS total FROM statement s JOIN statement_line l ON l.statement_id = s.id WHERE s.id = $1 GROUP BY s.id`,
      [statement.id],
    );
    expect({ lines, total }).toEqual({ lines: 4, total: '4000' });
  });

  it('the database refuses to change or delete an audit row', async () => {
    await expect(
      sql(db, `UPDATE audit_event SET action = 'x' WHERE id = (SELECT min(id) FROM audit_event)`),
    ).rejects.toThrow(/UPDATE on audit_event is forbidden/);
    await expect(sql(db, `DELETE FROM audit_event`)).rejects.toThrow(
      /DELETE on audit_event is forbidden/,
    );
  });

  it('with the guards switched off, audit:verify names the altered statement and the exact audit row', async () => {
    await sql(
      db,
      `BEGIN;
       SET LOCAL session_replication_role = replica;
       UPDATE statement_line SET amount_cents = 2000 WHERE statement_id = '${statement.id}' AND line_no = 1;
       COMMIT;`,
    );
    const [{ id }] = await sql<{ id: string }>(
      db,
      `SELECT id::text FROM audit_event WHERE action = 'statement.issued'`,
    );
    await sql(
      db,
      `BEGIN;
       SET LOCAL session_replication_role = replica;
       UPDATE audit_event SET after = jsonb_set(after, '{totalCents}', '5000') WHERE id = ${Number(id)};
       COMMIT;`,
    );
    const run = auditVerify(db);
    expect(run.status).toBe(1);
    expect(run.output).toMatch(
      new RegExp(`Audit chain \\d+ BROKEN at event id ${id}: hash does not match the row content`),
    );
    expect(run.output).toContain(`Statements ALTERED since issue`);
    expect(run.output).toContain(statement.number);
  });
});
