import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { createTestDatabase, superuserQuery } from './support/database';
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
    ).rejects.toThrow(
      /belongs to a booklet cancelled: only the cheques of a booklet handed over can be redeemed/,
    );
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

  /** Redeems `n` cheques of a new booklet of `programme` and gathers them into a draft claim. */
  async function draftClaim(programme: string, n: number, tag: string): Promise<string> {
    const booklet = await issueBooklet(t, programme);
    await redeem(
      booklet.cheques.slice(0, n).map((c) => c.code),
      tag,
    ).expect(201);
    const claim = await request(t.http)
      .post('/api/claims')
      .set('Authorization', `Bearer ${staff}`)
      .send({ upTo: parisToday() })
      .expect(201);
    return claim.body.id as string;
  }
  const submit = (id: string) =>
    request(t.http).post(`/api/claims/${id}/submit`).set('Authorization', `Bearer ${staff}`);
  const issue = (id: string) =>
    request(t.http).post(`/api/claims/${id}/issue`).set('Authorization', `Bearer ${admin}`);
  /** Time passes: the programme's claim deadline (and expiry) were yesterday. */
  const deadlinePassed = (programme: string) =>
    t.dataSource.query(
      `UPDATE programme SET valid_from = current_date - 30, expires_on = current_date - 1, claim_deadline = current_date - 1 WHERE id = $1`,
      [programme],
    );

  it('5. a statement is not paid before it was approved, and a payment reference is recorded once', async () => {
    const claim = await draftClaim(programmeId, 2, 'd5-a');
    await submit(claim).expect(200);
    const statement = (await issue(claim).expect(201)).body as { id: string };
    const approver = (await t.userToken('ADMIN')).token;
    await request(t.http)
      .post(`/api/statements/${statement.id}/approve`)
      .set('Authorization', `Bearer ${approver}`)
      .expect(200);
    const yesterday = new Date(Date.now() - 86_400_000);
    const early = await request(t.http)
      .post(`/api/statements/${statement.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: parisToday(yesterday), paymentReference: 'MDT-2026-000001' })
      .expect(422);
    expect(early.body).toMatchObject({
      code: 'PAID_BEFORE_APPROVAL',
      errors: [{ field: 'paidOn' }],
    });
    await request(t.http)
      .post(`/api/statements/${statement.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: parisToday(), paymentReference: 'MDT-2026-000001' })
      .expect(200);

    const other = await draftClaim(programmeId, 1, 'd5-b');
    await submit(other).expect(200);
    const second = (await issue(other).expect(201)).body as { id: string; number: string };
    await request(t.http)
      .post(`/api/statements/${second.id}/approve`)
      .set('Authorization', `Bearer ${approver}`)
      .expect(200);
    const twice = await request(t.http)
      .post(`/api/statements/${second.id}/paid`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ paidOn: parisToday(), paymentReference: 'MDT-2026-000001' })
      .expect(409);
    expect(twice.body).toMatchObject({
      code: 'PAYMENT_REFERENCE_ALREADY_USED',
      errors: [{ field: 'paymentReference' }],
    });
    const [{ status }] = await t.dataSource.query(`SELECT status FROM statement WHERE id = $1`, [
      second.id,
    ]);
    expect(status).toBe('APPROVED');
    // and the database itself refuses a second statement with that reference
    await expect(
      t.dataSource.query(
        `UPDATE statement SET status = 'PAID', paid_on = current_date, payment_reference = 'MDT-2026-000001', paid_by = approved_by WHERE id = $1`,
        [second.id],
      ),
    ).rejects.toThrow(/uq_statement_payment_reference/);
  });

  it('8. the claim deadline binds the association: a draft cannot be submitted after it; a claim submitted in time is still issued after it', async () => {
    const late = (await createProgramme(t, { name: 'Dispositif en fin de délai' })).id;
    const draft = await draftClaim(late, 1, 'd8-draft');
    await deadlinePassed(late);
    const refused = await submit(draft).expect(422);
    expect(refused.body.code).toBe('CLAIM_DEADLINE_PASSED');
    const [{ status }] = await t.dataSource.query(`SELECT status FROM claim WHERE id = $1`, [
      draft,
    ]);
    expect(status).toBe('DRAFT');

    const inTime = (await createProgramme(t, { name: 'Dispositif soumis à temps' })).id;
    const submitted = await draftClaim(inTime, 1, 'd8-in-time');
    await submit(submitted).expect(200);
    // time passes: it was submitted two days ago, the deadline was yesterday
    await t.dataSource.query(
      `UPDATE claim SET submitted_at = now() - interval '2 days' WHERE id = $1`,
      [submitted],
    );
    await deadlinePassed(inTime);
    await issue(submitted).expect(201);
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

describe('Money integrity: 10. indicators count the Europe/Paris day, whatever the database server’s time zone', () => {
  it('expired cheques are those of a programme that expired before today in Paris', async () => {
    // A session time zone whose date differs from Paris's right now: tomorrow (UTC+14) in the
    // afternoon, yesterday (UTC−12) in the morning.
    const parisHour = Number(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        hourCycle: 'h23',
      }).format(new Date()),
    );
    const ahead = parisHour >= 12;
    const url = await createTestDatabase('tz');
    await superuserQuery(
      url,
      `ALTER DATABASE ${new URL(url).pathname.slice(1)} SET timezone = '${ahead ? 'Pacific/Kiritimati' : 'Etc/GMT+12'}'`,
    );
    const t = await createTestApp({ databaseUrl: url });
    try {
      const programme = (await createProgramme(t)).id;
      // six beneficiaries: above the small-cell rule, so the count is shown
      for (let i = 0; i < 6; i++) await issueBooklet(t, programme);
      const today = parisToday();
      const yesterday = parisToday(new Date(Date.now() - 86_400_000));
      // ahead: expires today in Paris — not expired yet; behind: expired yesterday in Paris — expired
      const expiresOn = ahead ? today : yesterday;
      await t.dataSource.query(
        `UPDATE programme SET valid_from = $2::date - 30, expires_on = $2, claim_deadline = $2::date + 60 WHERE id = $1`,
        [programme, expiresOn],
      );
      const [{ serverDay }] = await t.dataSource.query(`SELECT CURRENT_DATE::text AS "serverDay"`);
      expect(serverDay).not.toBe(today); // the trap is set
      const overview = await request(t.http)
        .get('/api/stats/overview')
        .query({ programmeId: programme })
        .set('Authorization', `Bearer ${await t.adminToken()}`)
        .expect(200);
      // the server's day would give 60 when ahead, 0 when behind
      expect(overview.body.rows[0].chequesExpired).toBe(ahead ? 0 : 60);
    } finally {
      await t.close();
    }
  });
});

describe('Money integrity: 9. printed dates are frozen; they change only by an audited extension', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('before any booklet the dates may change; once a booklet is printed they are refused, an extension moves them later only, audited with what it means for printed booklets', async () => {
    const admin = await t.adminToken();
    const year = new Date().getFullYear();
    const programme = (await createProgramme(t)).id;
    await request(t.http)
      .patch(`/api/programmes/${programme}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ expiresOn: `${year + 1}-11-30` })
      .expect(200);
    await issueBooklet(t, programme);

    const refused = await request(t.http)
      .patch(`/api/programmes/${programme}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ expiresOn: `${year + 1}-06-30`, claimDeadline: `${year + 2}-01-31`, name: 'Renommé' })
      .expect(409);
    expect(refused.body.code).toBe('PROGRAMME_DATES_PRINTED');
    expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'claimDeadline',
      'expiresOn',
    ]);
    // nothing half-written: the name did not change either
    const unchanged = await request(t.http)
      .get(`/api/programmes/${programme}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(unchanged.body).toMatchObject({
      expiresOn: `${year + 1}-11-30`,
      name: `Pass numérique ${year}`,
    });

    const earlier = await request(t.http)
      .post(`/api/programmes/${programme}/extension`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ expiresOn: `${year + 1}-10-31`, reason: 'Erreur' })
      .expect(400);
    expect(earlier.body.errors[0].field).toBe('expiresOn');

    const extended = await request(t.http)
      .post(`/api/programmes/${programme}/extension`)
      .set('Authorization', `Bearer ${admin}`)
      .send({
        expiresOn: `${year + 1}-12-31`,
        claimDeadline: `${year + 2}-03-31`,
        reason: 'Délibération n° 2026-114 du 1er décembre 2026',
      })
      .expect(201);
    expect(extended.body).toMatchObject({
      programme: { expiresOn: `${year + 1}-12-31`, claimDeadline: `${year + 2}-03-31` },
      bookletsPrintedWithEarlierDates: 1,
    });
    expect(extended.body.effect).toMatch(
      /^1 carnet déjà émis porte les dates antérieures : leurs chèques sont acceptés jusqu’à la nouvelle date d’expiration \(31\/12\/\d{4}\)/,
    );
    const [audit] = await t.dataSource.query(
      `SELECT before, after FROM audit_event WHERE action = 'programme.extended' AND entity_id = $1`,
      [programme],
    );
    expect(audit.before).toEqual({
      expiresOn: `${year + 1}-11-30`,
      claimDeadline: `${year + 2}-02-28`,
    });
    expect(audit.after).toMatchObject({
      reason: 'Délibération n° 2026-114 du 1er décembre 2026',
      bookletsPrintedWithEarlierDates: 1,
    });
  });
});

describe('Money integrity: 2. money owed back is never forgotten', () => {
  let t: TestApp;
  let admin: string;
  let approver: string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  beforeAll(async () => {
    t = await createTestApp({ env: { LOOKUP_FAILURE_LIMIT: '100000' } });
    admin = await t.adminToken();
    approver = (await t.userToken('ADMIN')).token;
  });
  afterAll(() => t.close());

  /** Two cheques redeemed, claimed, issued, approved, paid — then the redemption reversed. */
  async function paidThenReversed(tag: string) {
    const programme = (await createProgramme(t)).id;
    const association = await createAssociation(t);
    const staff = (await t.userToken('ASSOCIATION', { associationId: association.id })).token;
    const booklet = await issueBooklet(t, programme);
    const redemption = (
      await request(t.http)
        .post('/api/redemptions')
        .set(as(staff))
        .set('Idempotency-Key', `money-integrity-d2-${tag}`)
        .send({
          codes: booklet.cheques.slice(0, 2).map((c) => c.code),
          activity: 'Smartphone',
          sessionDate: parisToday(),
        })
        .expect(201)
    ).body as { id: string };
    const claim = (
      await request(t.http)
        .post('/api/claims')
        .set(as(staff))
        .send({ upTo: parisToday() })
        .expect(201)
    ).body as { id: string };
    await request(t.http).post(`/api/claims/${claim.id}/submit`).set(as(staff)).expect(200);
    const paid = (
      await request(t.http).post(`/api/claims/${claim.id}/issue`).set(as(admin)).expect(201)
    ).body as { id: string; number: string };
    await request(t.http).post(`/api/statements/${paid.id}/approve`).set(as(approver)).expect(200);
    await request(t.http)
      .post(`/api/statements/${paid.id}/paid`)
      .set(as(admin))
      .send({ paidOn: parisToday(), paymentReference: `MDT-D2-${tag}` })
      .expect(200);
    await request(t.http)
      .post(`/api/redemptions/${redemption.id}/reverse`)
      .set(as(admin))
      .send({ reason: 'Atelier non réalisé' })
      .expect(200);
    const reconciliation = async () =>
      (
        await request(t.http)
          .get(`/api/programmes/${programme}/reconciliation`)
          .set(as(admin))
          .expect(200)
      ).body as Record<string, number | boolean>;
    const cutOff = async () =>
      (
        (
          await request(t.http)
            .post('/api/statements/run')
            .set(as(admin))
            .send({ periodEnd: parisToday() })
            .expect(201)
        ).body.claims as { id: string; associationId: string }[]
      ).find((c) => c.associationId === association.id);
    return { paid, reconciliation, cutOff };
  }

  it('a redemption reversed after payment, with nothing more to claim: the cut-off makes a correction statement (negative, same series) and the owed-back balance follows it', async () => {
    const { paid, reconciliation, cutOff } = await paidThenReversed('a');
    expect(await reconciliation()).toMatchObject({
      reversedCents: 2000,
      owedBackCents: 2000,
      correctionsPendingCents: 2000,
      owedBackBalanced: true, // no cut-off since: pending, not forgotten
    });
    // The association redeems nothing more. The cut-off must not skip it.
    const correctionClaim = await cutOff();
    expect(correctionClaim).toBeDefined();
    expect(await reconciliation()).toMatchObject({
      correctionsPendingCents: 2000,
      owedBackBalanced: true,
    });
    const correction = (
      await request(t.http)
        .post(`/api/claims/${correctionClaim!.id}/issue`)
        .set(as(admin))
        .expect(201)
    ).body as { id: string; number: string; totalCents: number; kind: string; lineCount: number };
    expect(correction).toMatchObject({ totalCents: -2000, kind: 'CORRECTION', lineCount: 2 });
    // the same numbering series, next number
    const seq = (n: string) => Number(n.split('-')[2]);
    expect(seq(correction.number)).toBe(seq(paid.number) + 1);
    expect(await reconciliation()).toMatchObject({
      owedBackCents: 2000,
      correctionsPendingCents: 0,
      correctionsOnStatementsCents: 2000,
      correctionsSettledCents: 0,
      owedBackBalanced: true,
      redeemedBalanced: true,
      issuedBalanced: true,
    });
    const pdf = await request(t.http)
      .get(`/api/statements/${correction.id}/pdf`)
      .set(as(admin))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    // kept for a person to look at (test/artifacts is not committed)
    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    writeFileSync(join(__dirname, 'artifacts', 'correction-statement.pdf'), pdf.body as Buffer);
  });

  it('the owed-back balance fails when a correction is left pending past a cut-off (its correction claim rejected), and holds again after the next one', async () => {
    const { reconciliation, cutOff } = await paidThenReversed('b');
    const claim = await cutOff();
    expect(claim).toBeDefined();
    await request(t.http)
      .post(`/api/claims/${claim!.id}/reject`)
      .set(as(admin))
      .send({ reason: 'Rejet par erreur' })
      .expect(200);
    expect(await reconciliation()).toMatchObject({
      correctionsPendingCents: 2000,
      owedBackBalanced: false,
    });
    expect(await cutOff()).toBeDefined();
    expect(await reconciliation()).toMatchObject({ owedBackBalanced: true });
  });
});
