import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday } from '../src/common/dates';
import type { PaymentBatchDetailDto } from '../src/payment-batches/dto/payment-batch.dto';
import type { StatementDto } from '../src/statements/dto/statement.dto';
import { createTestApp, TestApp } from './support/app';
import { createProgramme, issuedStatement } from './support/factories';

const today = parisToday();
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('Payment batches (bordereaux): recorded, once per statement, approved by a second person, same bytes at every download', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let programmeId: string;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        PAYER_NAME: 'Département de la Haute-Garonne',
        PAYER_IBAN: 'FR76 3000 1007 9412 3456 7890 185',
        PAYER_BIC: 'BDFEFRPPCCT',
        LOOKUP_FAILURE_LIMIT: '100000',
      },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
    programmeId = (await createProgramme(t)).id;
  });
  afterAll(() => t.close());

  /** An association redeems `count` cheques; its claim is issued by `admin`, approved by `admin2`. */
  async function approvedStatement(count: number, name?: string): Promise<StatementDto> {
    const s = await issuedStatement(t, programmeId, admin, { count, name });
    await request(t.http).post(`/api/statements/${s.id}/approve`).set(as(admin2)).expect(200);
    return s;
  }

  const prepare = (token: string, body: object = {}) =>
    request(t.http).post('/api/payment-batches').set(as(token)).send(body);
  const download = (token: string, id: string, format: 'csv' | 'xml') =>
    request(t.http)
      .get(`/api/payment-batches/${id}/transfers.${format}`)
      .set(as(token))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });

  it('a batch is a pain.001.001.03 transfer file and a CSV of exactly the same statements and amounts, the same bytes every time, recorded at each download', async () => {
    const empty = await prepare(admin).expect(409);
    expect(empty.body.code).toBe('NOTHING_TO_PAY');
    const s1 = await approvedStatement(3, 'Café numérique & Cie <Muret>');
    const s2 = await approvedStatement(7, 'Les Connectés');

    const batch = (await prepare(admin).expect(201)).body as PaymentBatchDetailDto;
    expect(batch).toMatchObject({
      status: 'PREPARED',
      transferCount: 2,
      totalCents: 10000,
      approvedAt: null,
    });
    expect(batch.number).toMatch(/^BP-\d{4}-\d{4}$/);
    expect(batch.statements.map((s) => [s.number, s.amountCents])).toEqual([
      [s1.number, 3000],
      [s2.number, 7000],
    ]);
    // no file before a second person approved it
    expect((await download(admin, batch.id, 'xml').expect(409)).body).toBeDefined();
    // the preparer cannot approve
    const self = await request(t.http)
      .post(`/api/payment-batches/${batch.id}/approve`)
      .set(as(admin))
      .expect(403);
    expect(self.body.code).toBe('FOUR_EYES_REQUIRED');
    const approved = (
      await request(t.http)
        .post(`/api/payment-batches/${batch.id}/approve`)
        .set(as(admin2))
        .expect(200)
    ).body as PaymentBatchDetailDto;
    expect(approved).toMatchObject({ status: 'APPROVED' });
    expect(approved.executionDate! > today).toBe(true);

    const xml1 = (await download(admin, batch.id, 'xml').expect(200)).body as Buffer;
    const csv1 = (await download(admin, batch.id, 'csv').expect(200)).body as Buffer;
    await new Promise((r) => setTimeout(r, 1100)); // another second: nothing in the file moves
    const xml2 = (await download(admin2, batch.id, 'xml').expect(200)).body as Buffer;
    const csv2 = (await download(admin2, batch.id, 'csv').expect(200)).body as Buffer;
    expect(xml2.equals(xml1)).toBe(true);
    expect(csv2.equals(csv1)).toBe(true);

    const { XMLParser, XMLValidator } = await import('fast-xml-parser');
    const text = xml1.toString('utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(text);
    expect(doc.Document['@_xmlns']).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.03');
    const init = doc.Document.CstmrCdtTrfInitn;
    expect(init.GrpHdr).toMatchObject({
      MsgId: batch.number,
      NbOfTxs: '2',
      CtrlSum: '100.00',
      InitgPty: { Nm: 'Departement de la Haute-Garonne' },
    });
    expect(init.PmtInf).toMatchObject({
      PmtMtd: 'TRF',
      NbOfTxs: '2',
      CtrlSum: '100.00',
      ReqdExctnDt: approved.executionDate,
      DbtrAcct: { Id: { IBAN: 'FR7630001007941234567890185' } },
      DbtrAgt: { FinInstnId: { BIC: 'BDFEFRPPCCT' } },
      ChrgBr: 'SLEV',
    });
    const txs = init.PmtInf.CdtTrfTxInf as {
      PmtId: { EndToEndId: string };
      Amt: { InstdAmt: { '#text': string; '@_Ccy': string } };
      Cdtr: { Nm: string };
      CdtrAcct: { Id: { IBAN: string } };
    }[];
    const fromXml = txs.map((x) => [x.PmtId.EndToEndId, x.Amt.InstdAmt['#text'].replace('.', ',')]);
    expect(txs[0].Cdtr.Nm).toBe('Cafe numerique Cie Muret');
    expect(txs[0].CdtrAcct.Id.IBAN).toBe('FR7630006000011234567890189');
    // the CSV: the same statements, the same amounts, in the same order
    const csvRows = csv1
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .map((l) => l.split(';'));
    expect(csvRows[0]).toEqual([
      'bordereau',
      'etat',
      'structure',
      'siret',
      'iban',
      'bic',
      'montant_euros',
    ]);
    expect(csvRows.slice(1).map((r) => [r[1], r[6]])).toEqual(fromXml);
    expect(fromXml).toEqual([
      [s1.number, '30,00'],
      [s2.number, '70,00'],
    ]);
    expect(csvRows.slice(1).every((r) => r[0] === batch.number)).toBe(true);

    // every download is on the record, with the file's hash
    const rows = await t.dataSource.query<{ format: string; sha256: string }[]>(
      `SELECT after->>'format' AS format, after->>'sha256' AS sha256 FROM audit_event
        WHERE action = 'payment_batch.downloaded' AND entity_id = $1 ORDER BY id`,
      [batch.id],
    );
    expect(rows.map((r) => r.format)).toEqual(['xml', 'csv', 'xml', 'csv']);
    expect(new Set(rows.map((r) => r.sha256)).size).toBe(2);

    // the bytes approved are the only ones ever sent: a file that would come out different
    // (another version of the service, a tampered fingerprint) is refused
    await t.dataSource.query(`ALTER TABLE payment_batch DISABLE TRIGGER trg_payment_batch_guard`);
    await t.dataSource.query(
      `UPDATE payment_batch SET xml_sha256 = repeat('0', 64) WHERE id = $1`,
      [batch.id],
    );
    await t.dataSource.query(`ALTER TABLE payment_batch ENABLE TRIGGER trg_payment_batch_guard`);
    const changed = await download(admin, batch.id, 'xml').expect(409);
    expect(JSON.parse((changed.body as Buffer).toString()).code).toBe('PAYMENT_FILE_CHANGED');

    // once approved, a batch is final: no cancellation, no second approval
    await request(t.http)
      .post(`/api/payment-batches/${batch.id}/cancel`)
      .set(as(admin))
      .send({ reason: 'trop tard' })
      .expect(409);
    // its statements are in no other batch: nothing left to pay
    expect((await prepare(admin).expect(409)).body.code).toBe('NOTHING_TO_PAY');
    const again = await prepare(admin, { statementIds: [s1.id] }).expect(409);
    expect(again.body).toMatchObject({ code: 'STATEMENT_NOT_PAYABLE' });
    expect(again.body.errors[0].field).toBe('statementIds');
    // approved, not yet sent to the finance department: not paid yet
    const early = await request(t.http)
      .post(`/api/statements/${s1.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: 'MDT-B-1' })
      .expect(409);
    expect(early.body.code).toBe('STATEMENT_IN_PREPARED_BATCH');
    // sent: its statements follow; then paid as usual, one payment order each
    const sent = await request(t.http)
      .post(`/api/payment-batches/${batch.id}/sent`)
      .set(as(admin))
      .expect(200);
    expect(sent.body).toMatchObject({ status: 'SENT', actions: ['DOWNLOAD', 'IMPORT_RESULTS'] });
    const s1Now = await request(t.http).get(`/api/statements/${s1.id}`).set(as(admin)).expect(200);
    expect(s1Now.body).toMatchObject({ status: 'SENT', batchNumber: batch.number });
    // files of a sent batch are still the approved bytes
    expect((await download(admin, batch.id, 'csv').expect(200)).body).toEqual(csv1);
    await request(t.http)
      .post(`/api/statements/${s1.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: 'MDT-B-1' })
      .expect(200);
  });

  it('a prepared batch holds its statements until it is approved or cancelled; cancelling frees them for another batch', async () => {
    const s = await approvedStatement(2);
    const first = (await prepare(admin, { statementIds: [s.id] }).expect(201))
      .body as PaymentBatchDetailDto;
    // not paid outside the batch while it waits for approval (the approved file would pay it again)
    const paid = await request(t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: 'MDT-B-2' })
      .expect(409);
    expect(paid.body.code).toBe('STATEMENT_IN_PREPARED_BATCH');
    expect((await prepare(admin2, { statementIds: [s.id] }).expect(409)).body.code).toBe(
      'STATEMENT_NOT_PAYABLE',
    );
    const bad = await request(t.http)
      .post(`/api/payment-batches/${first.id}/cancel`)
      .set(as(admin))
      .send({})
      .expect(400);
    expect(bad.body.errors[0].field).toBe('reason');
    await request(t.http)
      .post(`/api/payment-batches/${first.id}/cancel`)
      .set(as(admin))
      .send({ reason: 'Mauvais périmètre' })
      .expect(200);
    const second = (await prepare(admin2, { statementIds: [s.id] }).expect(201))
      .body as PaymentBatchDetailDto;
    expect(second.statements.map((x) => x.number)).toEqual([s.number]);
    expect(second.number).not.toBe(first.number);
    await request(t.http)
      .post(`/api/payment-batches/${first.id}/approve`)
      .set(as(admin2))
      .expect(409);
  });

  it('the database refuses a statement in two batches, a changed or added line, a released line of a live batch, a cancelled batch keeping its lines, an unapproved statement, and a statement paid while its batch waits', async () => {
    const s = await approvedStatement(1);
    const batch = (await prepare(admin, { statementIds: [s.id] }).expect(201))
      .body as PaymentBatchDetailDto;
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await expect(
        runner.query(
          `UPDATE payment_batch_statement SET amount_cents = amount_cents + 1 WHERE batch_id = $1`,
          [batch.id],
        ),
      ).rejects.toThrow(/frozen/);
      await expect(
        runner.query(`UPDATE payment_batch_statement SET released = true WHERE batch_id = $1`, [
          batch.id,
        ]),
      ).rejects.toThrow(/released only by the batch's cancellation/);
      await expect(
        runner.query(`DELETE FROM payment_batch_statement WHERE batch_id = $1`, [batch.id]),
      ).rejects.toThrow(/forbidden/);
      await expect(
        runner.query(`UPDATE payment_batch SET total_cents = 1 WHERE id = $1`, [batch.id]),
      ).rejects.toThrow(/frozen/);
      // the statement paid by hand while it waits in the prepared batch
      await expect(
        runner.query(
          `UPDATE statement SET status = 'PAID', paid_on = current_date, payment_reference = 'SQL-1', paid_by = issued_by WHERE id = $1`,
          [s.id],
        ),
      ).rejects.toThrow(/IN_BATCH to PAID is not allowed/);
      // a statement taken out of its batch's step (IN_BATCH → APPROVED without a cancellation)
      await runner.query('BEGIN');
      await runner.query(`UPDATE statement SET status = 'APPROVED' WHERE id = $1`, [s.id]);
      await expect(runner.query('COMMIT')).rejects.toThrow(
        /is APPROVED, but its payment batch is PREPARED/,
      );
      // a line added later to the prepared batch: its total no longer matches, refused at commit
      const other = await issuedStatement(t, programmeId, admin);
      await request(t.http).post(`/api/statements/${other.id}/approve`).set(as(admin2)).expect(200);
      await expect(
        runner.query(
          `INSERT INTO payment_batch_statement (batch_id, statement_id, amount_cents) SELECT $1, id, total_cents FROM statement WHERE id = $2`,
          [batch.id, other.id],
        ),
      ).rejects.toThrow(/ck_payment_batch_lines|lines for/);
      // a second, hand-written batch for the same statement (batch and line in one transaction)
      const handWritten = async (statementId: string) => {
        await runner.startTransaction();
        try {
          const [{ id }] = await runner.query(
            `INSERT INTO payment_batch (number, year, seq, status, transfer_count, total_cents, payer_name, payer_iban, prepared_by)
             SELECT 'BP-HAND-1', 1900, 1, 'PREPARED', 1, total_cents, 'x', 'FR7630001007941234567890185', issued_by FROM statement WHERE id = $1
             RETURNING id`,
            [statementId],
          );
          await runner.query(
            `INSERT INTO payment_batch_statement (batch_id, statement_id, amount_cents) SELECT $1, id, total_cents FROM statement WHERE id = $2`,
            [id, statementId],
          );
          await runner.commitTransaction();
        } catch (err) {
          await runner.rollbackTransaction();
          throw err;
        }
      };
      // (refused twice over: the statement is IN_BATCH, not APPROVED, and the partial unique index)
      await expect(handWritten(s.id)).rejects.toThrow(/not approved and unpaid/);
      // an issued, unapproved statement
      await expect(handWritten(await approvedStatementIssuedOnly())).rejects.toThrow(
        /not approved and unpaid/,
      );
      // a cancelled batch whose lines were not released
      await expect(
        runner.query(
          `UPDATE payment_batch SET status = 'CANCELLED', cancelled_by = prepared_by, cancelled_at = now(), cancel_reason = 'SQL' WHERE id = $1`,
          [batch.id],
        ),
      ).rejects.toThrow(/released exactly when it is cancelled/);
    } finally {
      await runner.release();
    }
  });

  const approvedStatementIssuedOnly = async () => (await issuedStatement(t, programmeId, admin)).id;

  it('ten administrators preparing at once: each approved statement lands in exactly one batch', async () => {
    const statements = await Promise.all([1, 2, 3, 4].map((n) => approvedStatement(n)));
    const admins = [
      admin,
      admin2,
      ...(await Promise.all([1, 2, 3].map(() => t.userToken('ADMIN')))).map((u) => u.token),
    ];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => prepare(admins[i % admins.length])),
    );
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const batches = results
      .filter((r) => r.status === 201)
      .map((r) => r.body as PaymentBatchDetailDto);
    const ids = batches.flatMap((b) => b.statements.map((s) => s.statementId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of statements) expect(ids).toContain(s.id);
  });

  it('a correction statement (negative: owed back) and an unapproved one never go into a batch', async () => {
    const issued = await approvedStatementIssuedOnly();
    const refused = await prepare(admin, { statementIds: [issued] }).expect(409);
    expect(refused.body.code).toBe('STATEMENT_NOT_PAYABLE');
    // a correction statement: paid, reversed, cut-off, issued, approved
    const s = await approvedStatement(2);
    const batch = (await prepare(admin, { statementIds: [s.id] }).expect(201))
      .body as PaymentBatchDetailDto;
    await request(t.http)
      .post(`/api/payment-batches/${batch.id}/approve`)
      .set(as(admin2))
      .expect(200);
    await request(t.http).post(`/api/payment-batches/${batch.id}/sent`).set(as(admin)).expect(200);
    await request(t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: `MDT-C-${randomUUID().slice(0, 8)}` })
      .expect(200);
    const [{ id: redemptionId }] = await t.dataSource.query<{ id: string }[]>(
      `SELECT r.id FROM redemption r JOIN claim c ON c.id = r.claim_id JOIN statement s ON s.claim_id = c.id WHERE s.id = $1`,
      [s.id],
    );
    await request(t.http)
      .post(`/api/redemptions/${redemptionId}/reverse`)
      .set(as(admin))
      .send({ reason: 'Atelier non réalisé' })
      .expect(200);
    const claims = (
      await request(t.http)
        .post('/api/statements/run')
        .set(as(admin))
        .send({ periodEnd: today })
        .expect(201)
    ).body.claims as { id: string; associationId: string }[];
    const correctionClaim = claims.find((c) => c.associationId === s.associationId)!;
    const correction = (
      await request(t.http)
        .post(`/api/claims/${correctionClaim.id}/issue`)
        .set(as(admin))
        .expect(201)
    ).body as StatementDto;
    expect(correction).toMatchObject({ kind: 'CORRECTION', totalCents: -2000 });
    await request(t.http)
      .post(`/api/statements/${correction.id}/approve`)
      .set(as(admin2))
      .expect(200);
    const negative = await prepare(admin, { statementIds: [correction.id] }).expect(409);
    expect(negative.body.code).toBe('STATEMENT_NOT_PAYABLE');
    const all = await prepare(admin);
    if (all.status === 201)
      expect(
        (all.body as PaymentBatchDetailDto).statements.map((x) => x.statementId),
      ).not.toContain(correction.id);
    // the sum owed back is settled by the recovery order (titre de recette), recorded as its payment
    await request(t.http)
      .post(`/api/statements/${correction.id}/paid`)
      .set(as(admin))
      .send({ paidOn: today, paymentReference: `TR-${randomUUID().slice(0, 8)}` })
      .expect(200);
  });
});
