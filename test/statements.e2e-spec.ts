import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import type { StatementDto } from '../src/statements/dto/statement.dto';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';
import { binary, inspectPdf } from './support/pdf';
import { superuserQuery } from './support/database';

const today = parisToday();
const YEAR = Number(today.slice(0, 4));

/** An association claims everything up to today, submits it, and `issuer` issues the statement. */
async function claimAndIssue(t: TestApp, staff: string, issuer: string): Promise<StatementDto> {
  const claim = (
    await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staff}`)
      .send({ upTo: today })
      .expect(201)
  ).body;
  await request(t.http)
    .post(`/api/claims/${claim.id}/submit`)
    .set('Authorization', `Bearer ${staff}`)
    .expect(200);
  return (
    await request(t.http)
      .post(`/api/claims/${claim.id}/issue`)
      .set('Authorization', `Bearer ${issuer}`)
      .expect(201)
  ).body as StatementDto;
}

describe('Reimbursement: claims, statements, approval, payment', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let agent: string;
  let programmeId: string;
  let assoA: { id: string; siret: string };
  let staffA: string;
  let staffB: string;

  const redeem = (token: string, codes: string[], sessionDate = today) =>
    request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', randomUUID())
      .send({ codes, activity: 'Smartphone', sessionDate })
      .expect(201);
  const reconcile = async () =>
    (
      await request(t.http)
        .get(`/api/programmes/${programmeId}/reconciliation`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200)
    ).body;

  beforeAll(async () => {
    t = await createTestApp({ env: { LOOKUP_FAILURE_LIMIT: '1000' } });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
    agent = (await t.userToken('AGENT')).token;
    programmeId = (await createProgramme(t)).id;
    assoA = (await createAssociation(t, { name: 'Structure A' })) as { id: string; siret: string };
    const assoB = await createAssociation(t, { name: 'Structure B' });
    staffA = (await t.userToken('ASSOCIATION', { associationId: assoA.id })).token;
    staffB = (await t.userToken('ASSOCIATION', { associationId: assoB.id })).token;
  });
  afterAll(() => t.close());

  it('runs the whole flow: redeem → claim → submit → issue → approve (four eyes) → paid, with PDF and CSV showing the lines and total', async () => {
    const booklet = await issueBooklet(t, programmeId);
    const codes = booklet.cheques.map((c) => c.code);
    await redeem(staffA, codes.slice(0, 3), shiftDay(today, -2));
    await redeem(staffA, codes.slice(3, 5));
    expect(await reconcile()).toMatchObject({
      issuedBalanced: true,
      redeemedBalanced: true,
      unclaimedCents: 5000,
    });

    const claim = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staffA}`)
      .send({ upTo: today })
      .expect(201);
    expect(claim.body).toMatchObject({ status: 'DRAFT', redemptionCount: 2, totalCents: 5000 });
    await request(t.http)
      .get(`/api/claims/${claim.body.id}`)
      .set('Authorization', `Bearer ${staffB}`)
      .expect(404);
    const early = await request(t.http)
      .post(`/api/claims/${claim.body.id}/issue`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(409);
    expect(early.body.code).toBe('INVALID_TRANSITION');
    // the problem's status is the HTTP status; the claim's own is an extension member
    expect([early.body.status, early.body.currentStatus]).toEqual([409, 'DRAFT']);
    const nothing = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staffA}`)
      .send({ upTo: today })
      .expect(422);
    expect(nothing.body.code).toBe('NOTHING_TO_CLAIM');
    await request(t.http)
      .post(`/api/claims/${claim.body.id}/submit`)
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    expect(await reconcile()).toMatchObject({ redeemedBalanced: true, onClaimsCents: 5000 });
    // A claimed redemption cannot be cancelled any more.
    const [{ id: rid }] = await t.dataSource.query(
      `SELECT id FROM redemption WHERE claim_id = $1 LIMIT 1`,
      [claim.body.id],
    );
    expect(
      (
        await request(t.http)
          .post(`/api/redemptions/${rid}/cancel`)
          .set('Authorization', `Bearer ${staffA}`)
          .send({ reason: 'Trop tard' })
          .expect(409)
      ).body.code,
    ).toBe('REDEMPTION_CLAIMED');

    const issued = await request(t.http)
      .post(`/api/claims/${claim.body.id}/issue`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(201);
    const s = issued.body;
    expect(s).toMatchObject({
      status: 'ISSUED',
      totalCents: 5000,
      lineCount: 5,
      associationSiret: assoA.siret,
      periodFrom: shiftDay(today, -2),
      periodTo: today,
    });
    expect(s.number).toMatch(new RegExp(`^ER-${YEAR}-\\d{5}$`));
    expect(s.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await reconcile()).toMatchObject({
      redeemedBalanced: true,
      onStatementsCents: 5000,
      onClaimsCents: 0,
    });

    const self = await request(t.http)
      .post(`/api/statements/${s.id}/approve`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(403);
    expect(self.body.code).toBe('FOUR_EYES_REQUIRED');
    const unpaidEarly = await request(t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: today, paymentReference: 'MDT-1' })
      .expect(409);
    expect(unpaidEarly.body.code).toBe('INVALID_TRANSITION');
    await request(t.http)
      .post(`/api/statements/${s.id}/approve`)
      .set('Authorization', `Bearer ${admin2}`)
      .expect(200);

    const paid = await request(t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: today, paymentReference: 'MDT-2026-000123' })
      .expect(200);
    expect(paid.body).toMatchObject({
      status: 'PAID',
      paidOn: today,
      paymentReference: 'MDT-2026-000123',
    });
    const twice = await request(t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: today, paymentReference: 'MDT-2' })
      .expect(409);
    expect(twice.body.code).toBe('INVALID_TRANSITION');

    const csv = await request(t.http)
      .get(`/api/statements/${s.id}/csv`)
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    const rows = csv.text
      .slice(1)
      .trim()
      .split('\r\n')
      .map((l) => l.split(';'));
    expect(rows[0]).toEqual([
      'etat',
      'ligne',
      'date_seance',
      'numero_carnet',
      'cheque',
      'activite',
      'montant_euros',
      'corrige_etat',
    ]);
    expect(rows.slice(1, 6).map((r) => r[6])).toEqual(Array(5).fill('10,00'));
    expect(rows[1][2]).toBe(shiftDay(today, -2).split('-').reverse().join('/'));
    expect(rows[6]).toEqual([s.number, 'TOTAL', '', '', '', '', '50,00', '']);
    await request(t.http)
      .get(`/api/statements/${s.id}/csv`)
      .set('Authorization', `Bearer ${staffB}`)
      .expect(404);

    const pdf = await request(t.http)
      .get(`/api/statements/${s.id}/pdf`)
      .set('Authorization', `Bearer ${staffA}`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const text = (await inspectPdf(pdf.body as Buffer, 72)).texts.join('\n');
    expect(text).toContain(s.number);
    expect(text).toContain('cinquante euros');
    expect(text).toContain(s.contentHash);
    expect(text).toContain(booklet.number);
    expect(text).toContain('50,00');

    const mine = await request(t.http)
      .get('/api/statements')
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(s.id);
    expect(mine.body.items[0].associationIban).toContain('••••');
    const theirs = await request(t.http)
      .get('/api/statements')
      .set('Authorization', `Bearer ${staffB}`)
      .expect(200);
    expect(theirs.body.items).toEqual([]);
    const byProgramme = await request(t.http)
      .get(`/api/statements?programmeId=${programmeId}&status=PAID`)
      .set('Authorization', `Bearer ${agent}`)
      .expect(200);
    expect(byProgramme.body.items.map((x: { id: string }) => x.id)).toContain(s.id);
  });

  it('keeps issued statements immutable in the database, and their totals equal to their lines', async () => {
    const [st] = await t.dataSource.query(`SELECT id FROM statement LIMIT 1`);
    await expect(
      superuserQuery(
        t.databaseUrl,
        `UPDATE statement_line SET amount_cents = 1 WHERE statement_id = $1`,
        [st.id],
      ),
    ).rejects.toThrow(/forbidden/);
    await expect(
      superuserQuery(t.databaseUrl, `DELETE FROM statement_line WHERE statement_id = $1`, [st.id]),
    ).rejects.toThrow(/forbidden/);
    await expect(
      superuserQuery(t.databaseUrl, `UPDATE statement SET total_cents = 1 WHERE id = $1`, [st.id]),
    ).rejects.toThrow(/frozen/);
    await expect(
      superuserQuery(t.databaseUrl, `DELETE FROM statement WHERE id = $1`, [st.id]),
    ).rejects.toThrow(/forbidden/);
    const mismatched = await t.dataSource.query(
      `SELECT s.number FROM statement s WHERE s.total_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM statement_line l WHERE l.statement_id = s.id)
          OR s.content_hash <> encode(sha256(convert_to(statement_canonical(s.id), 'UTF8')), 'hex')`,
    );
    expect(mismatched).toEqual([]);
  });

  it('rejects a claim, freeing its redemptions for a later one', async () => {
    const [code] = (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
    await redeem(staffB, [code]);
    const claim = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staffB}`)
      .send({ upTo: today })
      .expect(201);
    await request(t.http)
      .post(`/api/claims/${claim.body.id}/submit`)
      .set('Authorization', `Bearer ${staffB}`)
      .expect(200);
    const rejected = await request(t.http)
      .post(`/api/claims/${claim.body.id}/reject`)
      .set('Authorization', `Bearer ${agent}`)
      .send({ reason: 'Justificatifs manquants' })
      .expect(200);
    expect(rejected.body).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'Justificatifs manquants',
    });
    const again = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staffB}`)
      .send({ upTo: today })
      .expect(201);
    expect(again.body.totalCents).toBe(1000);
    expect(await reconcile()).toMatchObject({ issuedBalanced: true, redeemedBalanced: true });
  });

  it('turns a reversal after issue into a negative correction line on the next statement, naming the statement it corrects', async () => {
    const codes = (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
    const r1 = (await redeem(staffA, codes.slice(0, 2))).body;
    const s1 = await claimAndIssue(t, staffA, agent);

    const notYet = (await redeem(staffA, codes.slice(2, 3))).body;
    expect(
      (
        await request(t.http)
          .post(`/api/redemptions/${notYet.id}/reverse`)
          .set('Authorization', `Bearer ${admin}`)
          .send({ reason: 'Test' })
          .expect(409)
      ).body.code,
    ).toBe('REDEMPTION_NOT_ON_STATEMENT');
    await request(t.http)
      .post(`/api/redemptions/${r1.id}/reverse`)
      .set('Authorization', `Bearer ${staffA}`)
      .send({ reason: 'Séance fictive' })
      .expect(403);
    await request(t.http)
      .post(`/api/redemptions/${r1.id}/reverse`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'Séance fictive' })
      .expect(200);
    expect(await reconcile()).toMatchObject({ issuedBalanced: true, redeemedBalanced: true });

    const s2 = await claimAndIssue(t, staffA, agent);
    expect(s2.totalCents).toBe(1000 - 2000);
    const detail = await request(t.http)
      .get(`/api/statements/${s2.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(
      detail.body.lines.map(
        (l: { amountCents: number; correctsStatementNumber: string | null }) => [
          l.amountCents,
          l.correctsStatementNumber,
        ],
      ),
    ).toEqual([
      [1000, null],
      [-1000, s1.number],
      [-1000, s1.number],
    ]);
    // the first statement is untouched
    expect(
      (
        await request(t.http)
          .get(`/api/statements/${s1.id}`)
          .set('Authorization', `Bearer ${admin}`)
          .expect(200)
      ).body,
    ).toMatchObject({ totalCents: 2000, contentHash: s1.contentHash });
    expect(Number(s2.number.slice(-5))).toBe(Number(s1.number.slice(-5)) + 1);
    expect(await reconcile()).toMatchObject({ issuedBalanced: true, redeemedBalanced: true });
  });

  it('two cut-offs at once never put a redemption on two claims, and statement numbers have no gap', async () => {
    for (let i = 0; i < 4; i++) {
      const asso = await createAssociation(t, { name: `Cut-off ${i}` });
      const staff = (await t.userToken('ASSOCIATION', { associationId: asso.id })).token;
      const codes = (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
      await redeem(staff, codes.slice(0, 2));
    }
    const [a, b] = await Promise.all([
      request(t.http)
        .post('/api/statements/run')
        .set('Authorization', `Bearer ${admin}`)
        .send({ periodEnd: today }),
      request(t.http)
        .post('/api/statements/run')
        .set('Authorization', `Bearer ${admin2}`)
        .send({ periodEnd: today }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const claims = [...a.body.claims, ...b.body.claims];
    const [{ dup }] = await t.dataSource.query(
      `SELECT count(*)::int AS dup FROM (SELECT id FROM redemption WHERE claim_id IS NOT NULL GROUP BY id HAVING count(*) > 1) x`,
    );
    expect(dup).toBe(0);
    const issued = await Promise.all(
      claims.map((c: { id: string }) =>
        request(t.http).post(`/api/claims/${c.id}/issue`).set('Authorization', `Bearer ${agent}`),
      ),
    );
    expect(issued.every((r) => r.status === 201)).toBe(true);
    const seqs: number[] = (
      await t.dataSource.query(`SELECT seq FROM statement WHERE year = $1 ORDER BY seq`, [YEAR])
    ).map((r: { seq: number }) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM (SELECT redemption_line_id FROM statement_line WHERE amount_cents > 0 GROUP BY 1 HAVING count(*) > 1) x`,
    );
    expect(n).toBe(0);
    expect(await reconcile()).toMatchObject({ issuedBalanced: true, redeemedBalanced: true });
  });

  it('refuses bad input and wrong transitions with a clear problem and changes nothing', async () => {
    await request(t.http)
      .post('/api/claims/00000000-0000-4000-8000-000000000000/issue')
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
    const bad = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staffA}`)
      .send({ upTo: '2026-13-01' })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('upTo');
    const [st] = await t.dataSource.query(
      `SELECT id FROM statement WHERE status = 'ISSUED' LIMIT 1`,
    );
    const ref = await request(t.http)
      .post(`/api/statements/${st.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: shiftDay(today, 3), paymentReference: '' })
      .expect(400);
    expect(ref.body.errors.map((e: { field: string }) => e.field)).toEqual(['paymentReference']);
    await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${admin}`)
      .send({ upTo: today })
      .expect(403);
    await request(t.http)
      .post(`/api/statements/${st.id}/approve`)
      .set('Authorization', `Bearer ${agent}`)
      .expect(403);
  });
});
