import request from 'supertest';
import { csvAmount } from '../src/common/csv';
import { frenchDate, parisToday } from '../src/common/dates';
import type {
  PaymentBatchDetailDto,
  PaymentResultsDto,
} from '../src/payment-batches/dto/payment-batch.dto';
import type { StatementDto } from '../src/statements/dto/statement.dto';
import { createTestApp, TestApp } from './support/app';
import { createProgramme, issuedStatement } from './support/factories';
import { binary } from './support/pdf';
import { csrfOf, signInForm } from './support/pages';

const today = parisToday();
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * The chain to the département's finance software and its public accountant: a batch made and
 * approved by two people, its mandates file and supporting documents (the same bytes at every
 * download), sent, then paid by reading back the finance software's results file.
 */
describe('Payment chain: mandates, supporting documents, payments read back', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let programmeId: string;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        PAYER_NAME: 'Département de la Haute-Garonne',
        PAYER_IBAN: 'FR7630001007941234567890185',
      },
    });
    admin = await t.adminToken();
    admin2 = (
      await t.userToken('ADMIN', { displayName: 'Claire Martin', jobTitle: 'Payeuse déléguée' })
    ).token;
    programmeId = (await createProgramme(t)).id;
  });
  afterAll(() => t.close());

  const get = async (token: string, path: string, status = 200) =>
    (await request(t.http).get(path).set(as(token)).buffer(true).parse(binary).expect(status))
      .body as Buffer;
  const statement = async (id: string) =>
    (await request(t.http).get(`/api/statements/${id}`).set(as(admin)).expect(200))
      .body as StatementDto;
  const results = (id: string, csv: string, dryRun = false) =>
    request(t.http)
      .post(`/api/payment-batches/${id}/results${dryRun ? '?dryRun=true' : ''}`)
      .set(as(admin))
      .set('Content-Type', 'text/csv')
      .send(csv);

  /** A batch of these statements, prepared by `admin` and approved by `admin2`. */
  const approvedBatch = async (statementIds: string[]) => {
    const batch = (
      await request(t.http)
        .post('/api/payment-batches')
        .set(as(admin))
        .send({ statementIds })
        .expect(201)
    ).body as PaymentBatchDetailDto;
    await request(t.http)
      .post(`/api/payment-batches/${batch.id}/approve`)
      .set(as(admin2))
      .expect(200);
    return batch;
  };

  it('a batch made and approved by two people gives a mandates file and a documents zip that are the same bytes at every download, then a results file pays it, all or nothing, once', async () => {
    const s1 = await issuedStatement(t, programmeId, admin, { count: 3 });
    const s2 = await issuedStatement(t, programmeId, admin, { count: 2 });
    for (const s of [s1, s2])
      await request(t.http).post(`/api/statements/${s.id}/approve`).set(as(admin2)).expect(200);
    expect(await statement(s1.id)).toMatchObject({
      status: 'APPROVED',
      approverName: 'Claire Martin',
      approverTitle: 'Payeuse déléguée',
      imputations: [
        expect.objectContaining({
          chapter: '65',
          article: '6574',
          function: '58',
          amountCents: 3000,
        }),
      ],
    });

    const batch = (
      await request(t.http)
        .post('/api/payment-batches')
        .set(as(admin))
        .send({ statementIds: [s1.id, s2.id] })
        .expect(201)
    ).body as PaymentBatchDetailDto;
    expect((await statement(s1.id)).status).toBe('IN_BATCH');
    // the preparer cannot approve it; another administrator does
    const self = await request(t.http)
      .post(`/api/payment-batches/${batch.id}/approve`)
      .set(as(admin));
    expect(self.status).toBeGreaterThanOrEqual(403);
    await request(t.http)
      .post(`/api/payment-batches/${batch.id}/approve`)
      .set(as(admin2))
      .expect(200);

    // the mandates file: one line per statement, consistent with the statements
    const m1 = await get(admin, `/api/payment-batches/${batch.id}/mandates.csv`);
    const m2 = await get(admin, `/api/payment-batches/${batch.id}/mandates.csv`);
    expect(m2.equals(m1)).toBe(true);
    const [header, ...lines] = m1
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) => l.split(';'));
    expect(header).toEqual([
      'numero_bordereau',
      'numero_etat',
      'siret_tiers',
      'nom_tiers',
      'iban',
      'bic',
      'chapitre',
      'article',
      'fonction',
      'service',
      'montant',
      'objet',
      'piece_justificative',
    ]);
    const col = (name: string) => header.indexOf(name);
    expect(
      lines.map((l) => [l[col('numero_etat')], l[col('montant')], l[col('piece_justificative')]]),
    ).toEqual([
      [s1.number, '30,00', `${s1.number}.pdf`],
      [s2.number, '20,00', `${s2.number}.pdf`],
    ]);
    for (const [l, s] of [
      [lines[0], s1],
      [lines[1], s2],
    ] as const) {
      expect(l[col('siret_tiers')]).toBe(s.associationSiret);
      expect(l[col('iban')]).toBe(s.associationIban);
      expect([l[col('chapitre')], l[col('article')], l[col('fonction')]]).toEqual([
        '65',
        '6574',
        '58',
      ]);
      expect(l[col('numero_bordereau')]).toBe(batch.number);
      expect(l[col('objet')]).toContain(s.number);
    }
    expect(lines.reduce((sum, l) => sum + Number(l[col('montant')].replace(',', '')), 0)).toBe(
      batch.totalCents,
    );

    // the documents: each statement's PDF as kept at approval, and the mandates file
    const z1 = await get(admin, `/api/payment-batches/${batch.id}/documents.zip`);
    const z2 = await get(admin, `/api/payment-batches/${batch.id}/documents.zip`);
    expect(z2.equals(z1)).toBe(true);
    expect(z1.subarray(0, 4).toString('hex')).toBe('504b0304');
    for (const s of [s1, s2]) {
      const pdf = await get(admin, `/api/statements/${s.id}/pdf`);
      expect(pdf.equals(await get(admin, `/api/statements/${s.id}/pdf`))).toBe(true);
      // stored, not compressed: the very bytes of the statement's PDF are in the zip, under its name
      expect(z1.indexOf(pdf)).toBeGreaterThan(0);
      expect(z1.indexOf(Buffer.from(`${s.number}.pdf`))).toBeGreaterThan(0);
    }
    expect(z1.indexOf(m1)).toBeGreaterThan(0);

    // not yet sent: no payment is read back
    const line = (s: StatementDto, cents: number, mandate: string, date = frenchDate(today)) =>
      `${s.number};${mandate};${csvAmount(cents)};${date};VIR-${mandate}`;
    const header2 = 'numero_etat;numero_mandat;montant;date_paiement;reference_paiement';
    const good = [header2, line(s1, 3000, 'M-2026-101'), line(s2, 2000, 'M-2026-102')].join('\r\n');
    expect((await results(batch.id, good).expect(409)).body.code).toBe('BATCH_NOT_SENT');
    const sent = await request(t.http)
      .post(`/api/payment-batches/${batch.id}/sent`)
      .set(as(admin))
      .expect(200);
    expect(sent.body.statements.map((x: { status: string }) => x.status)).toEqual(['SENT', 'SENT']);

    // a wrong amount refuses the whole file, with the line and its reason
    const wrong = [header2, line(s1, 3000, 'M-2026-101'), line(s2, 2500, 'M-2026-102')].join(
      '\r\n',
    );
    const refused = await results(batch.id, wrong).expect(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.code).toBe('PAYMENT_RESULTS_REFUSED');
    expect(refused.body.errors).toEqual([
      { field: 'line 3', message: expect.stringContaining('25,00') },
    ]);
    expect((await statement(s1.id)).status).toBe('SENT');

    // the preview says what would happen and records nothing
    const preview = (await results(batch.id, good, true).expect(200)).body as PaymentResultsDto;
    expect(preview).toMatchObject({ applied: false, paidCount: 2, unchangedCount: 0 });
    expect((await statement(s1.id)).status).toBe('SENT');

    // applied: each statement paid with its mandate number and date
    const applied = (await results(batch.id, good).expect(200)).body as PaymentResultsDto;
    expect(applied).toMatchObject({ applied: true, paidCount: 2, unchangedCount: 0 });
    expect(await statement(s1.id)).toMatchObject({
      status: 'PAID',
      mandateNumber: 'M-2026-101',
      paymentReference: 'VIR-M-2026-101',
      paidOn: today,
      batchNumber: batch.number,
    });
    const after = (
      await request(t.http).get(`/api/payment-batches/${batch.id}`).set(as(admin)).expect(200)
    ).body as PaymentBatchDetailDto;
    expect(after.paidCount).toBe(2);
    expect(after.statements.map((x) => x.mandateNumber)).toEqual(['M-2026-101', 'M-2026-102']);

    // the same file again changes nothing; the same statements paid otherwise are refused
    const again = (await results(batch.id, good).expect(200)).body as PaymentResultsDto;
    expect(again).toMatchObject({ paidCount: 0, unchangedCount: 2 });
    const other = [header2, line(s1, 3000, 'M-2026-999')].join('\r\n');
    expect((await results(batch.id, other).expect(422)).body.errors[0].message).toContain(
      'déjà payé',
    );
    const [{ paid, imports }] = await t.dataSource.query<{ paid: number; imports: number }[]>(
      `SELECT count(*) FILTER (WHERE action = 'statement.paid')::int AS paid,
              count(*) FILTER (WHERE action = 'payment_batch.results_imported')::int AS imports
         FROM audit_event WHERE entity_id = ANY($1)`,
      [[s1.id, s2.id, batch.id]],
    );
    expect({ paid, imports }).toEqual({ paid: 2, imports: 1 });
    // the files of the batch stay the same bytes after payment
    expect((await get(admin, `/api/payment-batches/${batch.id}/documents.zip`)).equals(z1)).toBe(
      true,
    );
  });

  it('a results file naming a statement of another batch, a line twice, a date before approval or in the future, or without the needed columns is refused whole', async () => {
    const s1 = await issuedStatement(t, programmeId, admin, { count: 1 });
    const outside = await issuedStatement(t, programmeId, admin, { count: 1 });
    for (const s of [s1, outside])
      await request(t.http).post(`/api/statements/${s.id}/approve`).set(as(admin2)).expect(200);
    const batch = await approvedBatch([s1.id]);
    await request(t.http).post(`/api/payment-batches/${batch.id}/sent`).set(as(admin)).expect(200);
    const file = (...rows: string[]) => ['etat,mandat,montant,date', ...rows].join('\n');
    const reasons = async (csv: string) =>
      ((await results(batch.id, csv).expect(422)).body.errors as { message: string }[]).map(
        (e) => e.message,
      );
    expect(await reasons(file(`${outside.number},M-X1,10.00,${today}`))).toEqual([
      expect.stringContaining("n'est pas dans le bordereau"),
    ]);
    expect(
      await reasons(file(`${s1.number},M-X2,10.00,${today}`, `${s1.number},M-X3,10.00,${today}`)),
    ).toEqual([expect.stringContaining('plusieurs fois')]);
    expect(await reasons(file(`${s1.number},M-X4,10.00,2000-01-01`))).toEqual([
      expect.stringContaining("précéder l'approbation"),
    ]);
    expect(await reasons(file(`${s1.number},M-X5,10.00,2999-01-01`))).toEqual([
      expect.stringContaining('futur'),
    ]);
    expect(await reasons(file(`${s1.number},M-X6,dix euros,${today}`))).toEqual([
      expect.stringContaining('montant illisible'),
    ]);
    const columns = await results(batch.id, 'etat;montant\nER-1;10,00').expect(422);
    expect(columns.body).toMatchObject({ code: 'PAYMENT_RESULTS_UNREADABLE' });
    expect(columns.body.detail).toContain('date_paiement');
    // JSON is not a results file
    const json = await request(t.http)
      .post(`/api/payment-batches/${batch.id}/results`)
      .set(as(admin))
      .send({ lines: [] })
      .expect(415);
    expect(json.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await statement(s1.id)).status).toBe('SENT');
  });

  it('a statement whose association changed its bank details less than 30 days before approval is flagged for the approver and in the batch', async () => {
    const calm = await issuedStatement(t, programmeId, admin, { count: 1 });
    const s = await issuedStatement(t, programmeId, admin, { count: 1 });
    expect(s.bankDetailsRecentlyChanged).toBe(false);
    await request(t.http)
      .post(`/api/associations/${s.associationId}/bank-details`)
      .set(as(admin))
      .field('iban', 'FR7630001007941234567890185')
      .attach('file', Buffer.from('%PDF-1.4\n%%EOF\n'), 'rib.pdf')
      .expect(201);
    await request(t.http)
      .post(`/api/associations/${s.associationId}/bank-details/confirm`)
      .set(as(admin2))
      .expect(200);
    expect((await statement(s.id)).bankDetailsRecentlyChanged).toBe(true);
    for (const x of [s, calm])
      await request(t.http).post(`/api/statements/${x.id}/approve`).set(as(admin2)).expect(200);
    expect((await statement(s.id)).bankDetailsRecentlyChanged).toBe(true);
    expect((await statement(calm.id)).bankDetailsRecentlyChanged).toBe(false);
    const batch = (
      await request(t.http)
        .post('/api/payment-batches')
        .set(as(admin))
        .send({ statementIds: [s.id, calm.id] })
        .expect(201)
    ).body as PaymentBatchDetailDto;
    expect(
      Object.fromEntries(batch.statements.map((x) => [x.number, x.bankDetailsRecentlyChanged])),
    ).toEqual({ [s.number]: true, [calm.number]: false });
  });

  it('pages: the administrator sends a batch and imports its payments by upload with a preview; the association follows every step on /structure/paiements', async () => {
    const s = await issuedStatement(t, programmeId, admin, { count: 2 });
    await request(t.http).post(`/api/statements/${s.id}/approve`).set(as(admin2)).expect(200);
    const batch = await approvedBatch([s.id]);

    // a browser: the session cookie and the form's CSRF token
    const browser = request.agent(t.http);
    const signedIn = await signInForm(browser, t.databaseUrl, {
      email: 'admin@test.local',
      password: 'admin-password-for-tests',
    });
    expect(signedIn.status).toBe(303);
    let page = (await browser.get('/admin/etats').expect(200)).text;
    expect(page).toContain(`action="/admin/bordereaux/${batch.id}/envoyer"`);
    expect(page).toContain(`/api/payment-batches/${batch.id}/mandates.csv`);
    expect(page).toContain(`/api/payment-batches/${batch.id}/documents.zip`);
    await browser
      .post(`/admin/bordereaux/${batch.id}/envoyer`)
      .type('form')
      .send({ _csrf: csrfOf(page) })
      .expect(303);
    page = (await browser.get('/admin/etats').expect(200)).text;
    expect(page).toContain(`href="/admin/bordereaux/${batch.id}/paiements"`);

    const form = (await browser.get(`/admin/bordereaux/${batch.id}/paiements`).expect(200)).text;
    expect(form).toContain('enctype="multipart/form-data"');
    const file = `numero_etat;numero_mandat;montant;date_paiement\r\n${s.number};M-PAGE-1;20,00;${frenchDate(today)}\r\n`;
    const wrong = await browser
      .post(`/admin/bordereaux/${batch.id}/paiements`)
      .field('_csrf', csrfOf(form))
      .attach('file', Buffer.from(file.replace('20,00', '19,00')), 'paiements.csv')
      .expect(400);
    expect(wrong.text).toContain('Le fichier n&#x27;est pas enregistré');
    expect(wrong.text).toContain('19,00');
    const preview = await browser
      .post(`/admin/bordereaux/${batch.id}/paiements`)
      .field('_csrf', csrfOf(form))
      .attach('file', Buffer.from(file), 'paiements.csv')
      .expect(200);
    expect(preview.text).toContain('Le fichier est conforme. 1 paiement à enregistrer');
    expect((await statement(s.id)).status).toBe('SENT');
    const content = /name="content" value="([^"]*)"/.exec(preview.text)![1].replace(/&#x3D;/g, '=');
    await browser
      .post(`/admin/bordereaux/${batch.id}/paiements`)
      .type('form')
      .send({ _csrf: csrfOf(preview.text), step: 'appliquer', content: decodeHtml(content) })
      .expect(303);
    expect(await statement(s.id)).toMatchObject({ status: 'PAID', mandateNumber: 'M-PAGE-1' });

    // the association's side: every step dated
    const staff = (await t.userToken('ASSOCIATION', { associationId: s.associationId })).token;
    const track = (await request(t.http).get('/api/statements/payments').set(as(staff)).expect(200))
      .body as {
      statementNumber: string;
      step: string;
      approvedAt: string;
      inBatchAt: string;
      sentAt: string;
      paidOn: string;
      daysSinceApproval: number;
      late: boolean;
    }[];
    expect(track).toEqual([
      expect.objectContaining({
        statementNumber: s.number,
        step: 'PAID',
        paidOn: today,
        daysSinceApproval: 0,
        late: false,
        approvedAt: expect.any(String),
        inBatchAt: expect.any(String),
        sentAt: expect.any(String),
      }),
    ]);
    const mine = (
      await request(t.http)
        .get('/structure/paiements')
        .set('Cookie', `pn_session=${staff}`)
        .set('Accept', 'text/html')
        .expect(200)
    ).text;
    expect(mine).toContain(s.number);
    expect(mine).toContain('(mandat M-PAGE-1)');
    expect(mine).toContain("<strong>Payé</strong>, 0 jour après l'approbation");
  });

  it('an approved statement unpaid beyond the payment-delay target is late: on the association’s page and the administrators’ watch list', async () => {
    const s = await issuedStatement(t, programmeId, admin, { count: 1 });
    await request(t.http).post(`/api/statements/${s.id}/approve`).set(as(admin2)).expect(200);
    await t.dataSource.query(`ALTER TABLE statement DISABLE TRIGGER trg_statement_guard`);
    await t.dataSource.query(
      // 45 calendar days in Paris, as the service counts them (a UTC interval is one day short across a change of hour).
      `UPDATE statement SET approved_at = ((approved_at AT TIME ZONE 'Europe/Paris') - interval '45 days') AT TIME ZONE 'Europe/Paris' WHERE id = $1`,
      [s.id],
    );
    await t.dataSource.query(`ALTER TABLE statement ENABLE TRIGGER trg_statement_guard`);
    const late = (
      await request(t.http).get('/api/statements/payments?late=true').set(as(admin)).expect(200)
    ).body as { statementNumber: string; late: boolean; daysSinceApproval: number }[];
    expect(late.find((x) => x.statementNumber === s.number)).toMatchObject({
      late: true,
      daysSinceApproval: 45,
    });
    const page = (
      await request(t.http)
        .get('/admin/etats')
        .set('Cookie', `pn_session=${admin}`)
        .set('Accept', 'text/html')
        .expect(200)
    ).text;
    expect(page).toContain('non payé au-delà du délai visé');
    expect(page).toContain(`${s.number} — `);
  });
});

/** The few entities Handlebars writes in an attribute. */
function decodeHtml(s: string): string {
  return s
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
