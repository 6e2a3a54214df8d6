import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import {
  createAssociation,
  createProgramme,
  handOver,
  issueBooklet,
  printRun,
} from './support/factories';
import { binary, inspectPdf } from './support/pdf';

/**
 * The end of a programme: refused with its reasons while anything is pending, then closed by an
 * administrator; the unspent budget released, the report reconciled to the cent, nothing of it
 * changing afterwards (the database refuses it too).
 */
describe('Closing a programme', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  const today = parisToday();
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
  });
  afterAll(() => t.close());

  it('refused with its reasons while claims or payments are pending or before the deadline; then closed, budget released, report reconciled', async () => {
    const p = await createProgramme(t, { budgetCents: 100_000 });
    const asso = await createAssociation(t);
    const staff = (await t.userToken('ASSOCIATION', { associationId: asso.id })).token;
    const agent = (await t.userToken('AGENT')).token;
    const direct = await issueBooklet(t, p.id, { postalCode: '31000' });
    await issueBooklet(t, p.id);
    const run = await printRun(t, p.id, 2);
    const [first] = (
      await request(t.http).get(`/api/booklets?batchId=${run.id}`).set(as(admin)).expect(200)
    ).body.items;
    const handed = await handOver(t, first.id);
    const redeem = (codes: string[]) =>
      request(t.http)
        .post('/api/redemptions')
        .set(as(staff))
        .set('Idempotency-Key', randomUUID())
        .send({ codes, activity: 'Smartphone', sessionDate: today })
        .expect(201);
    // 3 cheques claimed, issued, approved by another administrator, paid
    await redeem(direct.cheques.slice(0, 2).map((c) => c.code));
    await redeem([handed.cheques[0].code]);
    const claim = (
      await request(t.http).post('/api/claims').set(as(staff)).send({ upTo: today }).expect(201)
    ).body;
    await request(t.http).post(`/api/claims/${claim.id}/submit`).set(as(staff)).expect(200);
    const statement = (
      await request(t.http).post(`/api/claims/${claim.id}/issue`).set(as(admin)).expect(201)
    ).body;
    // 1 more cheque, on a claim sent but never issued
    await redeem([handed.cheques[1].code]);
    const open = (
      await request(t.http).post('/api/claims').set(as(staff)).send({ upTo: today }).expect(201)
    ).body;
    await request(t.http).post(`/api/claims/${open.id}/submit`).set(as(staff)).expect(200);

    const early = (
      await request(t.http).get(`/api/programmes/${p.id}/closing`).set(as(agent)).expect(200)
    ).body;
    expect(early.closable).toBe(false);
    expect(early.reasons).toEqual([
      expect.stringContaining('La date limite de demande de remboursement'),
      '1 demande de remboursement en cours, à traiter ou rejeter.',
      '1 état de remboursement à approuver.',
    ]);
    await request(t.http)
      .post(`/api/statements/${statement.id}/approve`)
      .set(as(admin2))
      .expect(200);
    await request(t.http)
      .post(`/api/statements/${statement.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: 'MDT-CLOSE-1' })
      .expect(200);

    // the programme's dates pass: expired, then its claim deadline
    await t.dataSource.query(
      `UPDATE programme SET valid_from = $2, expires_on = $3, claim_deadline = $4 WHERE id = $1`,
      [p.id, shiftDay(today, -400), shiftDay(today, -60), shiftDay(today, -1)],
    );
    const refused = await request(t.http).post(`/api/programmes/${p.id}/close`).set(as(admin));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PROGRAMME_NOT_CLOSABLE');
    expect(refused.body.reasons).toEqual([
      '1 demande de remboursement en cours, à traiter ou rejeter.',
    ]);
    expect(refused.body.detail).toContain('1 demande de remboursement en cours');
    await request(t.http).post(`/api/programmes/${p.id}/close`).set(as(agent)).expect(403);
    await request(t.http)
      .post(`/api/claims/${open.id}/reject`)
      .set(as(admin))
      .send({ reason: 'Hors délai' })
      .expect(200);

    const closed = await request(t.http)
      .post(`/api/programmes/${p.id}/close`)
      .set(as(admin))
      .expect(200);
    expect(closed.body.closedAt).not.toBeNull();
    // 4 booklets of 10 cheques of 10,00 €: 3 paid, 1 redeemed and never claimed, 36 expired
    expect(closed.body.figures).toEqual({
      budgetCents: 100_000,
      committedBeforeCents: 40_000,
      bookletsIssued: 4,
      bookletsHandedOver: 3,
      bookletsNeverHandedOver: 1,
      bookletsCancelled: 0,
      chequesIssued: 40,
      issuedCents: 40_000,
      chequesRedeemed: 4,
      redeemedCents: 4_000,
      claimedCents: 3_000,
      paidCents: 3_000,
      owedBackCents: 0,
      correctionsSettledCents: 0,
      netPaidCents: 3_000,
      chequesExpired: 36,
      expiredCents: 36_000,
      chequesCancelled: 0,
      cancelledCents: 0,
      unclaimedCents: 1_000,
      releasedCents: 37_000,
      reconciled: true,
    });
    const programme = (
      await request(t.http).get(`/api/programmes/${p.id}`).set(as(admin)).expect(200)
    ).body;
    expect(programme).toMatchObject({ committedCents: 3_000, remainingCents: 97_000 });
    expect(programme.closedAt).toBe(closed.body.closedAt);

    // closed: nothing of it changes any more
    const again = await request(t.http).post(`/api/programmes/${p.id}/close`).set(as(admin));
    expect(again.body.code).toBe('PROGRAMME_ALREADY_CLOSED');
    const edit = await request(t.http)
      .patch(`/api/programmes/${p.id}`)
      .set(as(admin))
      .send({ name: 'Renommé' });
    expect(edit.status).toBe(409);
    await expect(
      t.dataSource.query(`UPDATE programme SET budget_cents = 1 WHERE id = $1`, [p.id]),
    ).rejects.toThrow(/is closed/);
    await expect(
      t.dataSource.query(
        `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents)
         SELECT (SELECT id FROM redemption LIMIT 1), id, face_value_cents FROM cheque WHERE booklet_id = $1 AND status = 'ISSUED' LIMIT 1`,
        [direct.id],
      ),
    ).rejects.toThrow(/is closed/);
    const [event] = await t.dataSource.query<{ after: { releasedCents: number } }[]>(
      `SELECT after FROM audit_event WHERE action = 'programme.closed' AND entity_id = $1`,
      [p.id],
    );
    expect(event.after.releasedCents).toBe(37_000);

    const csv = await request(t.http)
      .get(`/api/programmes/${p.id}/closing-report.csv`)
      .set(as(agent))
      .expect(200);
    const lines = csv.text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('poste;montant_euros;nombre');
    expect(lines).toContain('Budget libéré à la clôture;370,00;');
    expect(lines).toContain('Chèques expirés sans usage;360,00;36');
    expect(lines).toContain('Encaissés jamais réclamés (forclos);10,00;');
    expect(lines[lines.length - 1]).toBe('Comptes équilibrés;oui;');
    const pdf = await request(t.http)
      .get(`/api/programmes/${p.id}/closing-report.pdf`)
      .set(as(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    const read = await inspectPdf(pdf.body as Buffer);
    expect(read.pages).toBe(1);
    expect(read.texts[0]).toContain('Rapport de clôture');
    expect(read.texts[0]).toContain('370,00');
    expect(read.texts[0]).toContain('Comptes équilibrés');

    // a programme still open has no report
    const other = await createProgramme(t);
    const none = await request(t.http)
      .get(`/api/programmes/${other.id}/closing-report.csv`)
      .set(as(admin));
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('PROGRAMME_NOT_CLOSED');
  });
});
