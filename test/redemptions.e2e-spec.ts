import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { shiftDay, parisToday } from '../src/common/dates';
import { RedemptionExportService } from '../src/redemptions/redemption-export.service';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';

const today = parisToday();

describe('Redemption', () => {
  let t: TestApp;
  let admin: string;
  let programmeId: string;
  let assoA: string;
  let assoB: string;
  let staffA: string;
  let staffB: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { LOOKUP_FAILURE_LIMIT: '1000' } });
    admin = await t.adminToken();
    programmeId = (await createProgramme(t)).id;
    assoA = (await createAssociation(t, { name: 'Structure A' })).id;
    assoB = (await createAssociation(t, { name: 'Structure B' })).id;
    staffA = (await t.userToken('ASSOCIATION', { associationId: assoA })).token;
    staffB = (await t.userToken('ASSOCIATION', { associationId: assoB })).token;
  });
  afterAll(() => t.close());

  const codesOf = async () => (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
  const redeem = (token: string, body: Record<string, unknown>, key: string = randomUUID()) =>
    request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', key)
      .send({ activity: 'Smartphone', sessionDate: today, ...body });
  const check = (token: string, code: string) =>
    request(t.http)
      .get(`/api/cheques/${encodeURIComponent(code)}/check`)
      .set('Authorization', `Bearer ${token}`);
  const statuses = async (codes: string[]) =>
    (
      await t.dataSource.query(
        `SELECT status FROM cheque WHERE code = ANY($1) ORDER BY array_position($1, code)`,
        [codes.map((c) => c.replace(/-/g, ''))],
      )
    ).map((r: { status: string }) => r.status);

  it('checks a cheque without consuming it, from the printed code or the QR URL', async () => {
    const [code] = await codesOf();
    const res = await check(staffA, code.toLowerCase()).expect(200);
    expect(res.body).toMatchObject({
      status: 'REDEEMABLE',
      code,
      faceValueCents: 1000,
      position: 1,
    });
    await check(staffA, `http://pass.test/c/${code.replace(/-/g, '')}`).expect(200);
    // as the printed QR carries it: upper case (QR alphanumeric mode)
    await check(staffA, `HTTP://PASS.TEST/C/${code.replace(/-/g, '')}`).expect(200);
    const foreign = await check(staffA, `https://evil.example/c/${code.replace(/-/g, '')}`).expect(
      400,
    );
    expect(foreign.body.code).toBe('CODE_MALFORMED');
    const typo = code.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await check(staffA, typo).expect(422)).body.code).toBe('CODE_CHECK_FAILED');
    expect((await check(staffA, '0000-0000-0000-00').expect(404)).body.code).toBe('CHEQUE_UNKNOWN');
    expect(await statuses([code])).toEqual(['ISSUED']);
    const agent = await t.userToken('AGENT');
    await check(agent.token, code).expect(403);
  });

  it('redeems several cheques at once, then refuses them again with the session date, never who', async () => {
    const codes = (await codesOf()).slice(0, 3);
    const res = await redeem(staffA, {
      codes,
      workshopPriceCents: 4500,
      note: 'Atelier du mardi',
    }).expect(201);
    expect(res.body).toMatchObject({
      totalCents: 3000,
      status: 'ACTIVE',
      associationId: assoA,
      workshopPriceCents: 4500,
    });
    expect(res.body.cheques.map((c: { code: string }) => c.code)).toEqual(codes);
    expect(await statuses(codes)).toEqual(['REDEEMED', 'REDEEMED', 'REDEEMED']);
    const again = await check(staffB, codes[0]).expect(409);
    expect(again.body).toMatchObject({
      code: 'CHEQUE_ALREADY_REDEEMED',
      redeemedOn: today.split('-').reverse().join('/'),
    });
    expect(JSON.stringify(again.body)).not.toMatch(/Structure A|associationId/);
    const audit = await request(t.http)
      .get(`/api/audit?action=redemption.created&entityId=${res.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(audit.body.items[0].after.cheques.map((c: { status: string }) => c.status)).toEqual([
      'REDEEMED',
      'REDEEMED',
      'REDEEMED',
    ]);
  });

  it('is all or nothing: one bad cheque refuses the lot, each cheque reported, nothing written', async () => {
    const [a, b, c] = await codesOf();
    await redeem(staffA, { codes: [b] }).expect(201);
    const before = (await t.dataSource.query('SELECT count(*)::int AS n FROM redemption'))[0].n;
    const res = await redeem(staffA, { codes: [a, b, c] }).expect(409);
    expect(res.body.code).toBe('CHEQUE_ALREADY_REDEEMED');
    expect(res.body.cheques).toEqual([
      {
        code: b,
        refusal: 'CHEQUE_ALREADY_REDEEMED',
        redeemedOn: expect.any(String),
        detail: expect.stringMatching(/^Ce chèque a déjà été encaissé le \d\d\/\d\d\/\d{4}\.$/),
      },
    ]);
    expect(await statuses([a, c])).toEqual(['ISSUED', 'ISSUED']);
    expect((await t.dataSource.query('SELECT count(*)::int AS n FROM redemption'))[0].n).toBe(
      before,
    );
    const anomalies = await request(t.http)
      .get('/api/audit?action=redemption.refused')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(
      anomalies.body.items.some((e: { after: { tried: string[] } }) => e.after.tried.includes(b)),
    ).toBe(true);
  });

  it('replays the first result for the same Idempotency-Key and body, refuses the key with another body', async () => {
    const [a, b] = await codesOf();
    const key = randomUUID();
    const first = await redeem(staffA, { codes: [a] }, key).expect(201);
    const second = await redeem(staffA, { codes: [a] }, key).expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(
      (
        await t.dataSource.query(
          'SELECT count(*)::int AS n FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id WHERE c.code = $1',
          [a.replace(/-/g, '')],
        )
      )[0].n,
    ).toBe(1);
    const other = await redeem(staffA, { codes: [b] }, key).expect(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await statuses([b])).toEqual(['ISSUED']);
    const missing = await request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${staffA}`)
      .send({ codes: [b], activity: 'Smartphone', sessionDate: today })
      .expect(400);
    expect(missing.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('one Idempotency-Key in parallel: the same request is redeemed once and replayed, another is refused, never a deadlock', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b, c] = await codesOf();
      // the same request twice at once: one redemption, the other answer is its replay
      const key = randomUUID();
      const same = await Promise.all([
        redeem(staffA, { codes: [a] }, key),
        redeem(staffA, { codes: [a] }, key),
      ]);
      expect(same.map((r) => r.status)).toEqual([201, 201]);
      expect(same[0].body).toEqual(same[1].body);
      expect(same.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
      // two requests under one key, their cheques overlapping in opposite orders: the key is
      // claimed before any cheque is locked, so the second waits for it, then is refused
      const other = randomUUID();
      const both = await Promise.all([
        redeem(staffA, { codes: [b, c] }, other),
        redeem(staffA, { codes: [c, b] }, other),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([201, 422]);
      expect(both.find((r) => r.status === 422)!.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await statuses([a, b, c])).toEqual(['REDEEMED', 'REDEEMED', 'REDEEMED']);
    }
    const [{ n }] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM idempotency_key WHERE status = 'PENDING'`,
    );
    expect(n).toBe(0);
  });

  it('an accreditation suspended while the request waited for its Idempotency-Key is seen: refused, nothing kept', async () => {
    const asso = (await createAssociation(t, { name: 'Structure en attente' })).id;
    const staff = await t.userToken('ASSOCIATION', { associationId: asso });
    const [a] = await codesOf();
    const key = randomUUID();
    // another transaction holds the same key: the redemption's first statement waits for it,
    // with the snapshot it took before the wait
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(
        `INSERT INTO idempotency_key (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'PENDING')`,
        [staff.id, key, '0'.repeat(64)],
      );
      const pending = redeem(staff.token, { codes: [a] }, key).then((r) => r);
      for (let i = 0; ; i++) {
        const [{ n }] = await t.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO idempotency_key%'`,
        );
        if (n === 1) break;
        if (i > 100) throw new Error('the redemption never waited for the key');
        await new Promise((r) => setTimeout(r, 50));
      }
      await request(t.http)
        .post(`/api/associations/${asso}/suspend`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ reason: 'Contrôle' })
        .expect(200);
      await holder.rollbackTransaction();
      const res = await pending;
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ASSOCIATION_NOT_ACCREDITED');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await statuses([a])).toEqual(['ISSUED']);
    const [{ n }] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM idempotency_key WHERE user_id = $1`,
      [staff.id],
    );
    expect(n).toBe(0);
  });

  it('refuses duplicates, bad session dates, unknown activities and malformed input with the field named', async () => {
    const [a] = await codesOf();
    const dup = await redeem(staffA, { codes: [a, a.toLowerCase().replace(/-/g, '')] }).expect(400);
    expect(dup.body.code).toBe('DUPLICATE_CODE_IN_REQUEST');
    for (const sessionDate of [shiftDay(today, -8), shiftDay(today, 1)]) {
      const res = await redeem(staffA, { codes: [a], sessionDate }).expect(422);
      expect(res.body).toMatchObject({
        code: 'SESSION_DATE_OUT_OF_RANGE',
        errors: [{ field: 'sessionDate' }],
      });
    }
    await redeem(staffA, { codes: [a], sessionDate: shiftDay(today, -7) }).expect(201);
    const [b] = await codesOf();
    const activity = await redeem(staffA, { codes: [b], activity: 'Poterie' }).expect(422);
    expect(activity.body).toMatchObject({
      code: 'ACTIVITY_NOT_IN_PROGRAMME',
      errors: [{ field: 'activity' }],
    });
    const tooMany = await redeem(staffA, { codes: Array(21).fill(b) }).expect(400);
    expect(tooMany.body.errors[0].field).toBe('codes');
    const none = await redeem(staffA, { codes: [] }).expect(400);
    expect(none.body.errors[0].field).toBe('codes');
    const malformed = await redeem(staffA, { codes: ['not a code'] }).expect(400);
    expect(malformed.body).toMatchObject({
      code: 'CODE_MALFORMED',
      cheques: [{ code: 'not a code', refusal: 'CODE_MALFORMED' }],
    });
  });

  it('refuses cancelled, expired and not-yet-valid cheques', async () => {
    const booklet = await issueBooklet(t, programmeId);
    await request(t.http)
      .post(`/api/booklets/${booklet.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'LOST', replace: false })
      .expect(200);
    expect((await redeem(staffA, { codes: [booklet.cheques[0].code] }).expect(410)).body.code).toBe(
      'CHEQUE_CANCELLED',
    );

    const old = await createProgramme(t);
    const [expired] = (await issueBooklet(t, old.id)).cheques.map((c) => c.code);
    await t.dataSource.query(
      `UPDATE programme SET valid_from = '2020-01-01', expires_on = $2, claim_deadline = $2 WHERE id = $1`,
      [old.id, shiftDay(today, -1)],
    );
    expect((await redeem(staffA, { codes: [expired] }).expect(410)).body.code).toBe(
      'CHEQUE_EXPIRED',
    );

    const future = await createProgramme(t, { validFrom: shiftDay(today, 10) });
    const [early] = (await issueBooklet(t, future.id)).cheques.map((c) => c.code);
    expect((await redeem(staffA, { codes: [early] }).expect(409)).body.code).toBe(
      'CHEQUE_NOT_YET_VALID',
    );
  });

  it('takes a suspension into account at once', async () => {
    const [a] = await codesOf();
    await request(t.http)
      .post(`/api/associations/${assoB}/suspend`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'Contrôle' })
      .expect(200);
    expect((await redeem(staffB, { codes: [a] }).expect(403)).body.code).toBe(
      'ASSOCIATION_NOT_ACCREDITED',
    );
    expect((await check(staffB, a).expect(403)).body.code).toBe('ASSOCIATION_NOT_ACCREDITED');
    await request(t.http)
      .post(`/api/associations/${assoB}/reinstate`)
      .set('Authorization', `Bearer ${admin}`)
      .send({})
      .expect(200);
    await redeem(staffB, { codes: [a] }).expect(201);
  });

  it('cancels within the delay, by the association or an administrator, and the cheques can be redeemed again', async () => {
    const [a, b] = await codesOf();
    const r = (await redeem(staffA, { codes: [a, b] }).expect(201)).body;
    await request(t.http)
      .post(`/api/redemptions/${r.id}/cancel`)
      .set('Authorization', `Bearer ${staffB}`)
      .send({ reason: 'Pas à moi' })
      .expect(404);
    const cancelled = await request(t.http)
      .post(`/api/redemptions/${r.id}/cancel`)
      .set('Authorization', `Bearer ${staffA}`)
      .send({ reason: 'Erreur de saisie' })
      .expect(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'Erreur de saisie' });
    expect(await statuses([a, b])).toEqual(['ISSUED', 'ISSUED']);
    const twice = await request(t.http)
      .post(`/api/redemptions/${r.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'Encore' })
      .expect(409);
    expect(twice.body.code).toBe('REDEMPTION_NOT_ACTIVE');
    const again = (await redeem(staffB, { codes: [a] }).expect(201)).body;

    await t.dataSource.query(
      `UPDATE redemption SET created_at = now() - interval '8 days' WHERE id = $1`,
      [again.id],
    );
    const late = await request(t.http)
      .post(`/api/redemptions/${again.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'Trop tard' })
      .expect(409);
    expect(late.body.code).toBe('CANCELLATION_DELAY_PASSED');
  });

  it('lists an association’s own redemptions with totals, all of them for administrators, and exports CSV', async () => {
    const mine = await request(t.http)
      .get('/api/redemptions?pageSize=200')
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((r: { associationId: string }) => r.associationId === assoA)).toBe(
      true,
    );
    const active = mine.body.items.filter((r: { status: string }) => r.status === 'ACTIVE');
    const activeOnly = await request(t.http)
      .get('/api/redemptions?status=ACTIVE&pageSize=200')
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    expect(activeOnly.body.totals.totalCents).toBe(
      active.reduce((s: number, r: { totalCents: number }) => s + r.totalCents, 0),
    );
    const forged = await request(t.http)
      .get(`/api/redemptions?associationId=${assoB}`)
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    expect(
      forged.body.items.every((r: { associationId: string }) => r.associationId === assoA),
    ).toBe(true);
    const all = await request(t.http)
      .get(`/api/redemptions?associationId=${assoB}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(all.body.items.every((r: { associationId: string }) => r.associationId === assoB)).toBe(
      true,
    );
    expect(all.body.total).toBeGreaterThan(0);
    const csv = await request(t.http)
      .get('/api/redemptions/export.csv?status=ACTIVE')
      .set('Authorization', `Bearer ${staffA}`)
      .expect(200);
    const lines = csv.text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe(
      'date_seance;activite;numero_carnet;cheque;montant_euros;statut;encaissement;structure_siret',
    );
    expect(lines.length - 1).toBe(activeOnly.body.totals.chequeCount);
    expect(lines.slice(1).every((l) => l.includes(';10,00;ACTIVE;'))).toBe(true);
  });

  it('answers the public check with the cheque’s state only', async () => {
    const booklet = await issueBooklet(t, programmeId);
    const [a, b] = booklet.cheques.map((c) => c.code);
    await redeem(staffA, { codes: [a] }).expect(201);
    const used = await request(t.http).get(`/api/public/cheques/${a}`).expect(200);
    expect(used.body).toEqual({
      status: 'USED',
      faceValueCents: 1000,
      expiresOn: expect.any(String),
    });
    expect(
      (
        await request(t.http)
          .get(
            `/api/public/cheques/${encodeURIComponent(`http://pass.test/c/${b.replace(/-/g, '')}`)}`,
          )
          .expect(200)
      ).body.status,
    ).toBe('VALID');
    await request(t.http)
      .post(`/api/booklets/${booklet.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'STOLEN', replace: false })
      .expect(200);
    expect((await request(t.http).get(`/api/public/cheques/${b}`).expect(200)).body.status).toBe(
      'CANCELLED',
    );
    expect(
      (await request(t.http).get('/api/public/cheques/0000-0000-0000-00').expect(404)).body.code,
    ).toBe('CHEQUE_UNKNOWN');
  });

  it('exports every cheque exactly once, page by page, when one redemption holds the same position of several booklets', async () => {
    const assoC = (await createAssociation(t, { name: 'Structure C' })).id;
    const staffC = (await t.userToken('ASSOCIATION', { associationId: assoC })).token;
    const [a1, a2] = await codesOf();
    const [b1, b2] = await codesOf();
    const [c1] = await codesOf();
    // positions 1, 2, 1, 2, 1 of three booklets in one workshop: the same (date, redemption,
    // position) three times
    await redeem(staffC, { codes: [a1, a2, b1, b2, c1] }).expect(201);
    const exporter = t.app.get(RedemptionExportService);
    const rowsWith = async (pageSize: number) => {
      exporter.pageSize = pageSize;
      const res = await request(t.http)
        .get('/api/redemptions/export.csv')
        .set('Authorization', `Bearer ${staffC}`)
        .expect(200);
      return res.text.trim().split('\r\n').slice(1);
    };
    try {
      const all = await rowsWith(5000);
      expect(all).toHaveLength(5);
      for (const size of [1, 2, 3]) expect(await rowsWith(size)).toEqual(all);
    } finally {
      exporter.pageSize = 5000;
    }
  });
});

describe('Lookup limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LOOKUP_FAILURE_LIMIT: '3', PUBLIC_CHECK_LIMIT: '5' } });
  });
  afterAll(() => t.close());

  it('limits failed lookups per user with 429, Retry-After and an audit event', async () => {
    const asso = await createAssociation(t);
    const staff = await t.userToken('ASSOCIATION', { associationId: asso.id });
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        (
          await request(t.http)
            .get('/api/cheques/0000-0000-0000-00/check')
            .set('Authorization', `Bearer ${staff.token}`)
        ).status,
      );
    }
    expect(results).toEqual([404, 404, 404, 429, 429]);
    const limited = await request(t.http)
      .get('/api/cheques/0000-0000-0000-00/check')
      .set('Authorization', `Bearer ${staff.token}`)
      .expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // a redemption too, even of a good cheque: refused by its first statement, nothing kept
    const [good] = (await issueBooklet(t, (await createProgramme(t)).id)).cheques.map(
      (c) => c.code,
    );
    const refused = await request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${staff.token}`)
      .set('Idempotency-Key', randomUUID())
      .send({ codes: [good], activity: 'Smartphone', sessionDate: parisToday() })
      .expect(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // limited, a request with a code given twice is refused by the limit too
    const twice = await request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${staff.token}`)
      .set('Idempotency-Key', randomUUID())
      .send({ codes: [good, good], activity: 'Smartphone', sessionDate: parisToday() })
      .expect(429);
    expect(twice.body.code).toBe('RATE_LIMITED');
    const [kept] = await t.dataSource.query<{ status: string; keys: number }[]>(
      `SELECT (SELECT status FROM cheque WHERE code = $1) AS status,
              (SELECT count(*)::int FROM idempotency_key WHERE user_id = $2) AS keys`,
      [good.replace(/-/g, ''), staff.id],
    );
    expect(kept).toEqual({ status: 'ISSUED', keys: 0 });
    const audit = await request(t.http)
      .get('/api/audit?action=cheque.lookup_rate_limited')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .expect(200);
    expect(audit.body.total).toBeGreaterThan(0);
    // the redemptions refused by the limit are audited as such, with the code tried
    const tried = audit.body.items.map((e: { after: { tried: string[] } }) => e.after.tried);
    expect(tried).toContainEqual([good]);
    expect(tried).toContainEqual([good, good]);
  });

  it('limits the public check per IP', async () => {
    const results: number[] = [];
    for (let i = 0; i < 7; i++)
      results.push((await request(t.http).get('/api/public/cheques/0000-0000-0000-00')).status);
    expect(results).toEqual([404, 404, 404, 404, 404, 429, 429]);
  });
});

describe('Exactly once, two instances on one database', () => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    one = await createTestApp({ env: { LOOKUP_FAILURE_LIMIT: '1000' } });
    two = await createTestApp({
      databaseUrl: one.databaseUrl,
      env: { LOOKUP_FAILURE_LIMIT: '1000' },
    });
  });
  afterAll(async () => {
    await two.close();
    await one.close();
  });

  it('50 concurrent redemptions of one cheque from two associations give exactly one success', async () => {
    const programme = await createProgramme(one);
    const [code] = (await issueBooklet(one, programme.id)).cheques.map((c) => c.code);
    const a = await createAssociation(one);
    const b = await createAssociation(one);
    const staff = [
      (await one.userToken('ASSOCIATION', { associationId: a.id })).token,
      (await one.userToken('ASSOCIATION', { associationId: b.id })).token,
    ];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request((i % 2 ? two : one).http)
          .post('/api/redemptions')
          .set('Authorization', `Bearer ${staff[Math.floor(i / 2) % 2]}`)
          .set('Idempotency-Key', randomUUID())
          .send({ codes: [code], activity: 'Smartphone', sessionDate: today }),
      ),
    );
    const ok = responses.filter((r) => r.status === 201);
    expect(ok).toHaveLength(1);
    expect(
      responses
        .filter((r) => r.status === 409)
        .every((r) => r.body.code === 'CHEQUE_ALREADY_REDEEMED'),
    ).toBe(true);
    expect(responses.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    const rows = await one.dataSource.query(
      `SELECT count(*)::int AS n FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id WHERE c.code = $1 AND l.active`,
      [code.replace(/-/g, '')],
    );
    expect(rows[0].n).toBe(1);
  });

  it('the database itself refuses a second active redemption line for a cheque', async () => {
    const [{ id: redemptionLineCheque }] = await one.dataSource.query(
      `SELECT cheque_id AS id FROM redemption_line WHERE active LIMIT 1`,
    );
    const [{ id: redemptionId }] = await one.dataSource.query(
      `SELECT redemption_id AS id FROM redemption_line WHERE active LIMIT 1`,
    );
    await expect(
      one.dataSource.query(
        `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active) VALUES ($1, $2, 1000, true)`,
        [redemptionId, redemptionLineCheque],
      ),
    ).rejects.toThrow(/uq_redemption_line_active_cheque/);
  });
});
