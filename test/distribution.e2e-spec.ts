import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { binary, inspectPdf } from './support/pdf';
import {
  createAssociation,
  createProgramme,
  createSite,
  handOver,
  issueBooklet,
  printRun,
} from './support/factories';

/**
 * Distribution: booklets printed for a site are its stock, refused at redemption until handed over;
 * stock moves between sites by transfers received on arrival; lost stock is cancelled by range with
 * its value released; a prescriber acts on their own sites only.
 */
describe('Distribution: stock at sites, handover, transfers, losses, prescribers', () => {
  let t: TestApp;
  let admin: string;
  let staff: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    const asso = await createAssociation(t);
    staff = (await t.userToken('ASSOCIATION', { associationId: asso.id })).token;
  });
  afterAll(() => t.close());

  const bookletsOf = async (batchId: string) =>
    (
      await request(t.http)
        .get(`/api/booklets?batchId=${batchId}&pageSize=100`)
        .set(auth(admin))
        .expect(200)
    ).body.items.sort((a: { number: string }, b: { number: string }) =>
      a.number < b.number ? -1 : 1,
    ) as { id: string; number: string; status: string; siteId: string }[];
  const detail = async (id: string, token = admin) =>
    (await request(t.http).get(`/api/booklets/${id}`).set(auth(token)).expect(200)).body as {
      status: string;
      coverUrl: string;
      cheques: { code: string; status: string }[];
      siteId: string;
      transferId: string | null;
    };
  const redeem = (codes: string[]) =>
    request(t.http)
      .post('/api/redemptions')
      .set(auth(staff))
      .set('Idempotency-Key', randomUUID())
      .send({ codes, activity: 'Smartphone', sessionDate: parisToday() });
  const committed = async (programmeId: string) =>
    Number(
      (
        await t.dataSource.query<{ c: string }[]>(
          `SELECT committed_cents AS c FROM programme WHERE id = $1`,
          [programmeId],
        )
      )[0].c,
    );

  it('print run → stock: its cheques are refused (CHEQUE_NOT_ACTIVATED, on the public page too) until handover, accepted after', async () => {
    const p = await createProgramme(t);
    const site = await createSite(t);
    const run = await printRun(t, p.id, 2, site.id);
    const [first] = await bookletsOf(run.id);
    expect(first).toMatchObject({ status: 'IN_STOCK', siteId: site.id });
    const before = await detail(first.id);
    expect(before.cheques.every((c) => c.status === 'NOT_ACTIVATED')).toBe(true);

    const refused = await redeem([before.cheques[0].code]);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CHEQUE_NOT_ACTIVATED');
    expect(refused.body.detail).toBe("Ce chèque n'a pas encore été remis à un bénéficiaire.");
    const check = await request(t.http)
      .get(`/api/cheques/${before.cheques[0].code}/check`)
      .set(auth(staff));
    expect(check.body.code ?? check.body.cheques?.[0]?.refusal).toBe('CHEQUE_NOT_ACTIVATED');
    const page = await request(t.http).get(`/c/${before.cheques[0].code.replace(/-/g, '')}`);
    expect(page.text).toContain('Ce chèque n&#x27;a pas encore été remis à un bénéficiaire.');

    // a booklet issued directly to a beneficiary is active at once, as before
    const direct = await issueBooklet(t, p.id, { postalCode: '31000' });
    expect(direct.status).toBe('ACTIVE');
    const ok = await redeem([direct.cheques[0].code]);
    expect(ok.status).toBe(201);
    // the database refuses a line for a cheque in stock, whatever the code does
    await expect(
      t.dataSource.query(
        `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents)
         SELECT $2, id, face_value_cents FROM cheque WHERE booklet_id = $1 LIMIT 1`,
        [first.id, ok.body.id],
      ),
    ).rejects.toThrow(/belongs to a booklet in_stock: only the cheques of a booklet handed over/);

    const handed = await request(t.http)
      .post(`/api/booklets/${first.id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: { postalCode: '31600', ageBand: '65_74', needCategory: 'EMPLOYMENT' } })
      .expect(200);
    expect(handed.body.booklet).toMatchObject({ status: 'ACTIVE', siteId: site.id });
    expect(handed.body.booklet.beneficiary.postalCode).toBe('31600');
    expect(handed.body.letterUrl).toBe(`/api/booklets/${first.id}/letter.pdf`);
    expect((await redeem([before.cheques[0].code])).status).toBe(201);

    // handed over once: again is a wrong-state refusal
    const again = await request(t.http)
      .post(`/api/booklets/${first.id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: { postalCode: '31600' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('BOOKLET_NOT_IN_STOCK');
    // and the database does not let it go back to stock
    await expect(
      t.dataSource.query(`UPDATE booklet SET status = 'IN_STOCK' WHERE id = $1`, [first.id]),
    ).rejects.toThrow(/not a booklet transition|ck_booklet/);

    const audit = await t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [first.id],
    );
    expect(audit.map((a) => a.action)).toContain('booklet.handed_over');
  });

  it('a handover asks the minimal data: a postal code; names only when the programme allows them; refused after expiry', async () => {
    const p = await createProgramme(t);
    const run = await printRun(t, p.id, 2);
    const [a, b] = await bookletsOf(run.id);
    const noPostal = await request(t.http)
      .post(`/api/booklets/${a.id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: {} });
    expect(noPostal.status).toBe(400);
    expect(noPostal.body.errors.map((e: { field: string }) => e.field)).toContain(
      'beneficiary.postalCode',
    );
    const named = await request(t.http)
      .post(`/api/booklets/${a.id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: { postalCode: '31600', firstName: 'Camille' } });
    expect(named.status).toBe(400);
    expect(named.body.errors[0].field).toBe('beneficiary.firstName');
    expect((await detail(a.id)).status).toBe('IN_STOCK');

    await t.dataSource.query(
      `UPDATE programme SET valid_from = $2, expires_on = $2, claim_deadline = $3 WHERE id = $1`,
      [p.id, shiftDay(parisToday(), -400), shiftDay(parisToday(), 30)],
    );
    const late = await request(t.http)
      .post(`/api/booklets/${b.id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: { postalCode: '31600' } });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('HANDOVER_AFTER_EXPIRY');
  });

  it('transfer by range: in transit it is stock of neither, handed over nowhere; the receiving site records the arrival', async () => {
    const p = await createProgramme(t);
    const from = await createSite(t);
    const to = await createSite(t);
    const run = await printRun(t, p.id, 5, from.id);
    const booklets = await bookletsOf(run.id);
    const prescriberFrom = (await t.userToken('PRESCRIBER', { siteIds: [from.id] })).token;
    const prescriberTo = (await t.userToken('PRESCRIBER', { siteIds: [to.id] })).token;

    // handed-out booklet in the range: the whole transfer is refused, naming it
    await handOver(t, booklets[4].id);
    const mixed = await request(t.http)
      .post('/api/stock/transfers')
      .set(auth(prescriberFrom))
      .send({
        fromSiteId: from.id,
        toSiteId: to.id,
        ranges: [{ first: booklets[0].number, last: booklets[4].number }],
      });
    expect(mixed.status).toBe(409);
    expect(mixed.body.code).toBe('STOCK_NOT_AVAILABLE');
    expect(mixed.body.detail).toContain(`${booklets[4].number} (déjà remis)`);
    expect((await detail(booklets[0].id)).transferId).toBeNull();

    const sent = await request(t.http)
      .post('/api/stock/transfers')
      .set(auth(prescriberFrom))
      .send({
        fromSiteId: from.id,
        toSiteId: to.id,
        ranges: [{ first: booklets[0].number, last: booklets[2].number }],
      })
      .expect(201);
    expect(sent.body).toMatchObject({
      status: 'IN_TRANSIT',
      bookletCount: 3,
      numbers: `${booklets[0].number} à ${booklets[2].number}`,
      canReceive: false,
    });
    const inTransit = await request(t.http)
      .post(`/api/booklets/${booklets[0].id}/handover`)
      .set(auth(admin))
      .send({ beneficiary: { postalCode: '31600' } });
    expect(inTransit.status).toBe(409);
    expect(inTransit.body.code).toBe('BOOKLET_IN_TRANSIT');

    const stockOf = async (token: string) =>
      (await request(t.http).get('/api/stock').set(auth(token)).expect(200)).body.rows as {
        siteId: string;
        inStock: number;
        inTransit: number;
        handedOut: number;
      }[];
    expect((await stockOf(prescriberFrom)).map((r) => r.siteId)).toEqual([from.id]);
    expect((await stockOf(prescriberFrom))[0]).toMatchObject({
      inStock: 1,
      inTransit: 3,
      handedOut: 1,
    });

    const wrong = await request(t.http)
      .post(`/api/stock/transfers/${sent.body.id}/receive`)
      .set(auth(prescriberFrom));
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('TRANSFER_RECEIVER_ONLY');
    const list = await request(t.http)
      .get('/api/stock/transfers')
      .set(auth(prescriberTo))
      .expect(200);
    expect(list.body.items[0]).toMatchObject({ id: sent.body.id, canReceive: true });
    const received = await request(t.http)
      .post(`/api/stock/transfers/${sent.body.id}/receive`)
      .set(auth(prescriberTo))
      .expect(200);
    expect(received.body.status).toBe('RECEIVED');
    const twice = await request(t.http)
      .post(`/api/stock/transfers/${sent.body.id}/receive`)
      .set(auth(prescriberTo));
    expect(twice.status).toBe(409);
    expect((await stockOf(prescriberTo))[0]).toMatchObject({ siteId: to.id, inStock: 3 });
    // now the receiving site's prescriber hands it out, and the sender's no longer sees it
    await handOver(t, booklets[0].id, { postalCode: '31000' }, prescriberTo);
    await request(t.http)
      .get(`/api/booklets/${booklets[0].id}`)
      .set(auth(prescriberFrom))
      .expect(404);
    const events = await t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [sent.body.id],
    );
    expect(events.map((e) => e.action)).toEqual(['stock.transfer_sent', 'stock.transfer_received']);
  });

  it('lost stock by range: booklets and cheques cancelled, the value released to the cent; refused whole if one is not in stock there', async () => {
    const p = await createProgramme(t);
    const site = await createSite(t);
    const other = await createSite(t);
    const run = await printRun(t, p.id, 6, site.id);
    const booklets = await bookletsOf(run.id);
    await handOver(t, booklets[5].id);
    const start = await committed(p.id);
    expect(start).toBe(6 * 10 * 1000);

    const bad = await request(t.http)
      .post('/api/stock/losses')
      .set(auth(admin))
      .send({
        siteId: site.id,
        range: { first: booklets[3].number, last: booklets[5].number },
        reason: 'STOLEN',
        comment: 'Cambriolage du local',
      });
    expect(bad.status).toBe(409);
    expect(bad.body.code).toBe('STOCK_NOT_AVAILABLE');
    expect(bad.body.detail).toContain(`${booklets[5].number} (déjà remis)`);
    const elsewhere = await request(t.http)
      .post('/api/stock/losses')
      .set(auth(admin))
      .send({
        siteId: other.id,
        range: { first: booklets[0].number },
        reason: 'LOST',
        comment: 'Perdu',
      });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.detail).toContain('en stock ailleurs');
    expect(await committed(p.id)).toBe(start);

    const backwards = await request(t.http)
      .post('/api/stock/losses')
      .set(auth(admin))
      .send({
        siteId: site.id,
        range: { first: booklets[4].number, last: booklets[0].number },
        reason: 'STOLEN',
        comment: 'x y z',
      });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].field).toBe('range[0].last');

    const lost = await request(t.http)
      .post('/api/stock/losses')
      .set(auth(admin))
      .send({
        siteId: site.id,
        range: { first: booklets[0].number, last: booklets[4].number },
        reason: 'STOLEN',
        comment: 'Cambriolage du local, plainte déposée',
      })
      .expect(200);
    expect(lost.body).toEqual({
      cancelledBooklets: 5,
      cancelledCheques: 50,
      releasedCents: 50_000,
      numbers: `${booklets[0].number} à ${booklets[4].number}`,
    });
    expect(await committed(p.id)).toBe(start - 50_000);
    const gone = await detail(booklets[2].id);
    expect(gone.status).toBe('CANCELLED');
    expect(gone.cheques.every((c) => c.status === 'CANCELLED')).toBe(true);
    const r = await redeem([gone.cheques[0].code]);
    expect(r.body.code).toBe('CHEQUE_CANCELLED');
    const [event] = await t.dataSource.query<{ action: string; after: { numbers: string } }[]>(
      `SELECT action, after FROM audit_event WHERE action = 'stock.loss_reported' AND entity_id = $1`,
      [site.id],
    );
    expect(event.after.numbers).toBe(lost.body.numbers);
  });

  it('a prescriber sees and acts on their own sites only: 404 elsewhere, nothing financial', async () => {
    const p = await createProgramme(t);
    const mine = await createSite(t);
    const theirs = await createSite(t);
    const [own] = await bookletsOf((await printRun(t, p.id, 1, mine.id)).id);
    const [foreign] = await bookletsOf((await printRun(t, p.id, 1, theirs.id)).id);
    const prescriber = (await t.userToken('PRESCRIBER', { siteIds: [mine.id] })).token;
    const as = auth(prescriber);

    const foreignCover = (await detail(foreign.id)).coverUrl;
    await request(t.http).get(`/api/booklets/${foreign.id}`).set(as).expect(404);
    await request(t.http)
      .post(`/api/booklets/${foreign.id}/handover`)
      .set(as)
      .send({ beneficiary: { postalCode: '31600' } })
      .expect(404);
    await request(t.http)
      .get(`/api/booklets/by-cover?cover=${encodeURIComponent(foreignCover)}`)
      .set(as)
      .expect(404);
    await request(t.http).get(`/api/distribution-sites/${theirs.id}`).set(as).expect(404);
    const loss = await request(t.http)
      .post('/api/stock/losses')
      .set(as)
      .send({
        siteId: theirs.id,
        range: { first: foreign.number },
        reason: 'LOST',
        comment: 'Perdu',
      });
    expect(loss.status).toBe(404);
    const steal = await request(t.http)
      .post('/api/stock/transfers')
      .set(as)
      .send({ fromSiteId: theirs.id, toSiteId: mine.id, ranges: [{ first: foreign.number }] });
    expect(steal.status).toBe(404);
    expect((await detail(foreign.id)).transferId).toBeNull();

    const list = await request(t.http).get('/api/booklets?pageSize=100').set(as).expect(200);
    expect(list.body.items.map((b: { id: string }) => b.id)).toEqual([own.id]);
    const sites = await request(t.http).get('/api/distribution-sites').set(as).expect(200);
    expect(sites.body.map((s: { id: string }) => s.id)).toEqual([mine.id]);

    // scanned cover (upper case, as the QR carries it) finds their own booklet
    const cover = (await detail(own.id)).coverUrl.toUpperCase();
    const found = await request(t.http)
      .get(`/api/booklets/by-cover?cover=${encodeURIComponent(cover)}`)
      .set(as)
      .expect(200);
    expect(found.body.id).toBe(own.id);
    await handOver(t, own.id, { postalCode: '31600' }, prescriber);

    // nothing financial, no printing, no issuing
    for (const [method, path] of [
      ['post', '/api/booklets'],
      ['post', '/api/booklets/batches'],
      ['get', '/api/statements'],
      ['get', '/api/claims'],
      ['get', '/api/stats/overview'],
      ['post', `/api/booklets/${own.id}/cancel`],
      ['get', `/api/booklets/${own.id}/pdf`],
    ] as const)
      expect({
        path,
        status: (await request(t.http)[method](path).set(as).send({})).status,
      }).toEqual({ path, status: 403 });
  });

  it('the beneficiary takes home a covering letter and a cover whose QR opens the booklet’s page: cheques left, until when, where to go', async () => {
    const p = await createProgramme(t);
    await createAssociation(t, { name: 'Muret Numérique', postalCode: '31600', city: 'Muret' });
    await createAssociation(t, { name: 'Lointaine Asso', postalCode: '09000', city: 'Foix' });
    const run = await printRun(t, p.id, 1);
    const [b] = await bookletsOf(run.id);
    const { coverUrl } = await detail(b.id);
    const token = coverUrl.split('/carnet/')[1];
    expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{20}$/);

    const pdf = (
      await request(t.http)
        .get(`/api/booklets/${b.id}/pdf`)
        .set(auth(admin))
        .buffer(true)
        .parse(binary)
        .expect(200)
    ).body as Buffer;
    const seen = await inspectPdf(pdf);
    expect(seen.codes[0].map((c) => c.text)).toEqual([coverUrl.toUpperCase()]);

    // in stock: the page says so, and no letter yet
    const before = await request(t.http).get(`/carnet/${token}`).expect(200);
    expect(before.text).toContain('Ce carnet n&#x27;a pas encore été remis à un bénéficiaire.');
    await request(t.http).get(`/api/booklets/${b.id}/letter.pdf`).set(auth(admin)).expect(409);

    const booklet = await handOver(t, b.id, { postalCode: '31600' });
    await redeem([booklet.cheques[0].code]).expect(201);
    const page = await request(t.http).get(`/CARNET/${token}`).expect(200);
    expect(page.text).toContain('Votre carnet est valable.');
    expect(page.text).toMatch(/Chèques qui restent<\/dt><dd>9 sur 10/);
    expect(page.text.indexOf('Muret Numérique')).toBeGreaterThan(0);
    expect(page.text.indexOf('Muret Numérique')).toBeLessThan(page.text.indexOf('Lointaine Asso'));
    expect(page.text).not.toContain(booklet.beneficiaryReference!);
    const unknown = await request(t.http).get('/carnet/0000000000000000000000').expect(200);
    expect(unknown.text).toContain('Ce code ne correspond à aucun carnet Pass numérique.');

    const letter = await request(t.http)
      .get(`/api/booklets/${b.id}/letter.pdf`)
      .set(auth(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(letter.headers['content-disposition']).toContain(`lettre-${b.number}.pdf`);
    const read = await inspectPdf(letter.body as Buffer);
    expect(read.pages).toBe(1);
    const text = read.texts[0];
    for (const words of [
      'Votre Pass numérique',
      'Comment faire',
      'Muret Numérique',
      'Besoin d’aide',
      `31/12/${new Date().getFullYear() + 1}`,
    ])
      expect(text).toContain(words);
    expect(text).toContain('Vous avez 9 chèques de 10,00');
    expect(read.codes[0].map((c) => c.text)).toEqual([coverUrl.toUpperCase()]);
  });

  it('accounts: a prescriber needs a site; only agents and prescribers have sites', async () => {
    const site = await createSite(t);
    const none = await request(t.http)
      .post('/api/users')
      .set(auth(admin))
      .send({ email: 'p1@test.local', password: 'long-enough-password', role: 'PRESCRIBER' });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].field).toBe('siteIds');
    const asso = await request(t.http)
      .post('/api/users')
      .set(auth(admin))
      .send({
        email: 'p2@test.local',
        password: 'long-enough-password',
        role: 'ADMIN',
        siteIds: [site.id],
      });
    expect(asso.status).toBe(400);
    expect(asso.body.errors[0].field).toBe('siteIds');
    const unknown = await request(t.http)
      .post('/api/users')
      .set(auth(admin))
      .send({
        email: 'p3@test.local',
        password: 'long-enough-password',
        role: 'PRESCRIBER',
        siteIds: [randomUUID()],
      });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('siteIds');
    const ok = await request(t.http)
      .post('/api/users')
      .set(auth(admin))
      .send({
        email: 'p4@test.local',
        password: 'long-enough-password',
        role: 'PRESCRIBER',
        siteIds: [site.id],
      })
      .expect(201);
    expect(ok.body.siteIds).toEqual([site.id]);
    // closing a site: no print run for it
    await request(t.http)
      .patch(`/api/distribution-sites/${site.id}`)
      .set(auth(admin))
      .send({ active: false })
      .expect(200);
    const p = await createProgramme(t);
    const closed = await request(t.http)
      .post('/api/booklets/batches')
      .set(auth(admin))
      .send({ programmeId: p.id, count: 1, siteId: site.id });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('SITE_CLOSED');
    // two sites cannot share a name
    const dup = await request(t.http).post('/api/distribution-sites').set(auth(admin)).send({
      name: site.name,
      kind: 'CCAS',
      address: '1 rue',
      postalCode: '31000',
      city: 'Toulouse',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('SITE_NAME_TAKEN');
  });
});
