import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';

/**
 * Defects an outside review reproduced on the money path (issue "Money integrity"): each test
 * failed on the code before its fix.
 */
describe('Money integrity: reproduced defects', () => {
  let t: TestApp;
  let admin: string;
  let staff: string;
  let programmeId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOOKUP_FAILURE_LIMIT: '100000', PUBLIC_CHECK_LIMIT: '100000' },
    });
    admin = await t.adminToken();
    programmeId = (await createProgramme(t)).id;
    const association = await createAssociation(t);
    staff = (await t.userToken('ASSOCIATION', { associationId: association.id })).token;
  });
  afterAll(() => t.close());

  const redeem = (codes: string[], key: string) =>
    request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${staff}`)
      .set('Idempotency-Key', `money-integrity-${key}`)
      .send({ codes, activity: 'Smartphone', sessionDate: parisToday() });
  const reconciliation = async () =>
    (
      await request(t.http)
        .get(`/api/programmes/${programmeId}/reconciliation`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200)
    ).body as Record<string, number | boolean>;
  const committed = async () =>
    (
      await request(t.http)
        .get(`/api/programmes/${programmeId}`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200)
    ).body.committedCents as number;

  it('1. a cheque of a booklet cancelled as stolen does not come back to life when its redemption is cancelled', async () => {
    const booklet = await issueBooklet(t, programmeId);
    const first = booklet.cheques[0].code;
    const redemption = (await redeem([first], 'd1-redeem').expect(201)).body as { id: string };
    const committedBefore = await committed();
    const cancelled = await request(t.http)
      .post(`/api/booklets/${booklet.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'STOLEN', replace: true })
      .expect(200);
    expect(cancelled.body.cancelledCheques).toBe(9);
    // 9 cheques released, 9 re-committed in the replacement
    expect(await committed()).toBe(committedBefore);

    await request(t.http)
      .post(`/api/redemptions/${redemption.id}/cancel`)
      .set('Authorization', `Bearer ${staff}`)
      .send({ reason: 'Erreur de saisie' })
      .expect(200);

    const [cheque] = await t.dataSource.query(
      `SELECT c.status FROM cheque c WHERE c.booklet_id = $1 AND c.position = 1`,
      [booklet.id],
    );
    expect(cheque.status).toBe('CANCELLED');
    // its 10 € left the committed budget, as the other nine did
    expect(await committed()).toBe(committedBefore - 1000);
    const again = await redeem([first], 'd1-again').expect(410);
    expect(again.body.cheques[0].refusal).toBe('CHEQUE_CANCELLED');
    const publicView = await request(t.http).get(`/api/public/cheques/${first}`).expect(200);
    expect(publicView.body.status).toBe('CANCELLED');
    const r = await reconciliation();
    expect(r.issuedBalanced).toBe(true);
    expect(r.redeemedBalanced).toBe(true);
    const [{ outstanding }] = await t.dataSource.query(
      `SELECT count(*)::int AS outstanding FROM cheque WHERE booklet_id = $1 AND status = 'ISSUED'`,
      [booklet.id],
    );
    expect(outstanding).toBe(0);
    // …and the database itself refuses an active line for it, whatever the code would do
    const [{ id: chequeId }] = await t.dataSource.query(
      `SELECT id FROM cheque WHERE booklet_id = $1 AND position = 1`,
      [booklet.id],
    );
    await expect(
      t.dataSource.query(
        `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active) VALUES ($1, $2, 1000, true)`,
        [redemption.id, chequeId],
      ),
    ).rejects.toThrow(/belongs to a cancelled booklet: it cannot be redeemed/);
    const [audit] = await t.dataSource.query(
      `SELECT after FROM audit_event WHERE action = 'redemption.cancelled' AND entity_id = $1`,
      [redemption.id],
    );
    expect(audit.after).toMatchObject({
      chequesRedeemableAgain: 0,
      chequesCancelledWithTheirBooklet: 1,
      releasedCents: 1000,
    });
  });

  it('3. redemptions and booklet cancellations in parallel never deadlock: 20 concurrent pairs', async () => {
    const booklets = await Promise.all(
      Array.from({ length: 20 }, () => issueBooklet(t, programmeId)),
    );
    const results = await Promise.all(
      booklets.flatMap((b, i) => [
        redeem(
          b.cheques.slice(0, 3).map((c) => c.code),
          `d3-${i}`,
        ),
        request(t.http)
          .post(`/api/booklets/${b.id}/cancel`)
          .set('Authorization', `Bearer ${admin}`)
          .send({ reason: 'LOST', replace: i % 2 === 0 }),
      ]),
    );
    const statuses = results.map((r) => r.status);
    // each redemption either went first (201) or found its cheques cancelled (410); each
    // cancellation succeeded; never a 409 CONCURRENT_UPDATE (deadlock) or a 500
    for (let i = 0; i < 20; i++) {
      expect({
        i,
        redeem: statuses[2 * i],
        body: statuses[2 * i] === 201 || statuses[2 * i] === 410 ? '' : results[2 * i].body,
      }).toEqual({ i, redeem: statuses[2 * i] === 410 ? 410 : 201, body: '' });
      expect(statuses[2 * i + 1]).toBe(200);
    }
    expect(results.some((r) => r.body?.code === 'CONCURRENT_UPDATE')).toBe(false);
    const r = await reconciliation();
    expect(r.issuedBalanced).toBe(true);
    expect(r.redeemedBalanced).toBe(true);
    // no cheque of a cancelled booklet is redeemable
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM cheque c JOIN booklet b ON b.id = c.booklet_id
        WHERE b.status = 'CANCELLED' AND c.status = 'ISSUED'`,
    );
    expect(n).toBe(0);
  });

  it('4. a QR URL with bad percent-encoding is a malformed code (400) on check, redeem and the public check — never a 500', async () => {
    const bad = encodeURIComponent('http://pass.test/c/%zz');
    const check = await request(t.http)
      .get(`/api/cheques/${bad}/check`)
      .set('Authorization', `Bearer ${staff}`)
      .expect(400);
    expect(check.body.code).toBe('CODE_MALFORMED');
    const redeemed = await redeem(['http://pass.test/c/%zz'], 'd4').expect(400);
    expect(redeemed.body.cheques[0].refusal).toBe('CODE_MALFORMED');
    const pub = await request(t.http).get(`/api/public/cheques/${bad}`).expect(400);
    expect(pub.body.code).toBe('CODE_MALFORMED');
    const page = await request(t.http).get('/c/%zz');
    expect(page.status).toBeLessThan(500);
  });
});
