import request from 'supertest';
import { parseChequeCode } from '../src/booklets/codes/cheque-code';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, createSite, issueBooklet } from './support/factories';
import { binary, inspectPdf } from './support/pdf';

const YEAR = new Date().getFullYear();

describe('Programmes and booklets', () => {
  let t: TestApp;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
    agent = (await t.userToken('AGENT')).token;
  });
  afterAll(() => t.close());

  const count = async (table: string): Promise<number> =>
    Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  describe('programmes', () => {
    it('refuse bad input naming the fields, and write nothing', async () => {
      const before = await count('programme');
      const res = await request(t.http)
        .post('/api/programmes')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          name: 'X',
          departementCode: '99',
          departementName: 'Nulle part',
          validFrom: '2026-02-30',
          expiresOn: '2026-12-31',
          claimDeadline: '2027-01-31',
          budgetCents: -5,
          activities: 'Smartphone',
        });
      expect(res.status).toBe(400);
      expect([...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([
        'activities',
        'budgetCents',
        'departementCode',
        'name',
        'validFrom',
      ]);
      const dates = await request(t.http)
        .post('/api/programmes')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          name: 'Dates',
          departementCode: '31',
          departementName: 'Haute-Garonne',
          validFrom: '2026-06-01',
          expiresOn: '2026-05-01',
          claimDeadline: '2026-04-01',
          budgetCents: 100,
          activities: [],
        });
      expect(dates.status).toBe(400);
      expect(dates.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'expiresOn',
        'claimDeadline',
      ]);
      expect(await count('programme')).toBe(before);
    });

    it('are written by administrators only, read by agents, and show budget, committed and remaining', async () => {
      await request(t.http)
        .post('/api/programmes')
        .set('Authorization', `Bearer ${agent}`)
        .send({})
        .expect(403);
      const p = await createProgramme(t, { budgetCents: 50_000 });
      const res = await request(t.http)
        .get(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(res.body).toMatchObject({
        faceValueCents: 1000,
        chequesPerBooklet: 10,
        budgetCents: 50_000,
        committedCents: 0,
        remainingCents: 50_000,
      });
    });
  });

  describe('associations and accreditations', () => {
    it('refuse an invalid SIRET or IBAN naming the field, and write nothing', async () => {
      const before = await count('association');
      const res = await request(t.http)
        .post('/api/associations')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          name: 'Asso',
          siret: '73282932000075',
          address: '1 rue',
          postalCode: '31000',
          city: 'Toulouse',
          email: 'a@b.fr',
          iban: 'FR7630006000011234567890188',
          activities: [],
        });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['siret', 'iban']);
      expect(await count('association')).toBe(before);
    });

    it('store the IBAN in electronic format, shown in full to administrators only; refuse a duplicate SIRET', async () => {
      const a = await createAssociation(t, { iban: 'fr76 3000 6000 0112 3456 7890 189' }, false);
      expect(a.iban).toBe('FR7630006000011234567890189');
      const seen = await request(t.http)
        .get(`/api/associations/${a.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(seen.body.iban).toBe('FR76 •••• •••• •••• •••• •••• 189');
      const dup = await request(t.http)
        .post('/api/associations')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          name: 'Copie',
          siret: a.siret,
          address: '1 rue',
          postalCode: '31000',
          city: 'Toulouse',
          email: 'a@b.fr',
          iban: a.iban,
          activities: [],
        });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('SIRET_TAKEN');
    });

    it('keep the accreditation history: granted, suspended, reinstated, revoked, with who and why; the directory follows', async () => {
      const a = await createAssociation(
        t,
        { name: 'Numérique Solidaire', city: 'Muret', postalCode: '31600' },
        false,
      );
      const directory = async () =>
        (await request(t.http).get('/api/public/associations?q=316').expect(200)).body.map(
          (x: { name: string }) => x.name,
        );
      expect(await directory()).not.toContain('Numérique Solidaire');

      const grant = { validFrom: `${YEAR - 1}-01-01`, validUntil: `${YEAR + 1}-12-31` };
      await request(t.http)
        .post(`/api/associations/${a.id}/accreditations`)
        .set('Authorization', `Bearer ${admin}`)
        .send(grant)
        .expect(201);
      expect(await directory()).toContain('Numérique Solidaire');
      const overlap = await request(t.http)
        .post(`/api/associations/${a.id}/accreditations`)
        .set('Authorization', `Bearer ${admin}`)
        .send(grant);
      expect(overlap.body.code).toBe('ACCREDITATION_OVERLAP');

      const suspended = await request(t.http)
        .post(`/api/associations/${a.id}/suspend`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ reason: 'Contrôle en cours' })
        .expect(200);
      expect(suspended.body.accreditedToday).toBe(false);
      expect(await directory()).not.toContain('Numérique Solidaire');
      const again = await request(t.http)
        .post(`/api/associations/${a.id}/suspend`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ reason: 'Encore' });
      expect(again.status).toBe(409);
      await request(t.http)
        .post(`/api/associations/${a.id}/reinstate`)
        .set('Authorization', `Bearer ${admin}`)
        .send({})
        .expect(200);
      const revoked = await request(t.http)
        .post(`/api/associations/${a.id}/revoke`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ reason: 'Fin de convention' })
        .expect(200);
      const decisions = revoked.body.accreditations[0].decisions;
      expect(decisions.map((d: { action: string }) => d.action)).toEqual([
        'GRANTED',
        'SUSPENDED',
        'REINSTATED',
        'REVOKED',
      ]);
      expect(decisions[1]).toMatchObject({
        reason: 'Contrôle en cours',
        decidedBy: expect.any(String),
      });
      const missingReason = await request(t.http)
        .post(`/api/associations/${a.id}/suspend`)
        .set('Authorization', `Bearer ${admin}`)
        .send({});
      expect(missingReason.body.errors[0].field).toBe('reason');
    });

    it('let association staff see their own association only', async () => {
      const mine = await createAssociation(t);
      const other = await createAssociation(t);
      const staff = await t.userToken('ASSOCIATION', { associationId: mine.id });
      await request(t.http)
        .get(`/api/associations/${mine.id}`)
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(200);
      await request(t.http)
        .get(`/api/associations/${other.id}`)
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(404);
      await request(t.http)
        .get('/api/associations')
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(403);
      await request(t.http)
        .get('/api/booklets')
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(403);
      const unknown = await request(t.http)
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          email: 'ghost@test.local',
          password: 'long-enough-password',
          role: 'ASSOCIATION',
          associationId: '00000000-0000-4000-8000-000000000000',
        });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([
        { field: 'associationId', message: 'unknown association', fr: 'structure inconnue' },
      ]);
    });
  });

  describe('booklets', () => {
    it('are issued with a number, ten cheques with unguessable codes, and the budget committed', async () => {
      const p = await createProgramme(t);
      const res = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({
          programmeId: p.id,
          beneficiary: { postalCode: '31100', ageBand: '65_74', needCategory: 'ONLINE_PROCEDURES' },
        });
      expect(res.status).toBe(201);
      const b = res.body;
      expect(b.number).toMatch(new RegExp(`^31-${YEAR}-\\d{6}$`));
      expect(b.beneficiary).toMatchObject({
        postalCode: '31100',
        firstName: null,
        reference: expect.stringMatching(/^B-[0-9A-F]{12}$/),
      });
      expect(b.cheques.map((c: { position: number }) => c.position)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      for (const c of b.cheques) {
        expect(c).toMatchObject({ faceValueCents: 1000, status: 'ISSUED' });
        expect(c.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
        expect(parseChequeCode(c.code).ok).toBe(true);
      }
      const prog = await request(t.http)
        .get(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(prog.body).toMatchObject({
        committedCents: 10_000,
        remainingCents: 10_000_000 - 10_000,
      });
      const next = await issueBooklet(t, p.id);
      expect(Number(next.number.slice(-6))).toBe(Number(b.number.slice(-6)) + 1);
      const events = await request(t.http)
        .get(`/api/audit?action=booklet.issued&entityId=${b.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(events.body.total).toBe(1);
    });

    it('collect names only when the programme allows them', async () => {
      const closed = await createProgramme(t);
      const before = await count('beneficiary');
      const refused = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({
          programmeId: closed.id,
          beneficiary: { postalCode: '31100', firstName: 'Jeanne', lastName: 'Martin' },
        });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'beneficiary.firstName',
        'beneficiary.lastName',
      ]);
      expect(await count('beneficiary')).toBe(before);
      const open = await createProgramme(t, { allowBeneficiaryNames: true });
      const ok = await issueBooklet(t, open.id, {
        postalCode: '31100',
        firstName: 'Jeanne',
        lastName: 'Martin',
        reference: 'CCAS-42',
      });
      expect(ok.beneficiary).toMatchObject({ firstName: 'Jeanne', reference: 'CCAS-42' });
      const dup = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: open.id, beneficiary: { postalCode: '31100', reference: 'CCAS-42' } });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('BENEFICIARY_REFERENCE_TAKEN');
    });

    it('are refused beyond the budget, for an unknown or expired programme, and nothing is written', async () => {
      const small = await createProgramme(t, { budgetCents: 15_000 });
      await issueBooklet(t, small.id);
      const booklets = await count('booklet');
      const cheques = await count('cheque');
      const over = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: small.id });
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        requestedCents: 10_000,
        remainingCents: 5_000,
      });
      const unknown = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: '00000000-0000-4000-8000-000000000000' });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        code: 'PROGRAMME_NOT_FOUND',
        errors: [{ field: 'programmeId', message: 'unknown programme' }],
      });
      const expired = await createProgramme(t, {
        validFrom: '2020-01-01',
        expiresOn: '2020-12-31',
        claimDeadline: '2021-02-28',
      });
      const late = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: expired.id });
      expect(late.status).toBe(422);
      expect(late.body.code).toBe('PROGRAMME_EXPIRED');
      const malformed = await request(t.http)
        .post('/api/booklets')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: 'abc' });
      expect(malformed.body.errors[0].field).toBe('programmeId');
      expect(await count('booklet')).toBe(booklets);
      expect(await count('cheque')).toBe(cheques);
      const prog = await request(t.http)
        .get(`/api/programmes/${small.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(prog.body.committedCents).toBe(10_000);
    });

    it('freeze face value and cheques per booklet once a booklet exists', async () => {
      const p = await createProgramme(t);
      await request(t.http)
        .patch(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ faceValueCents: 500 })
        .expect(200);
      await issueBooklet(t, p.id);
      const res = await request(t.http)
        .patch(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ faceValueCents: 1000 });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PROGRAMME_LOCKED');
      const budget = await request(t.http)
        .patch(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ budgetCents: 100 });
      expect(budget.body.code).toBe('BUDGET_BELOW_COMMITTED');
    });

    it('print as an A4 PDF whose every QR code decodes to its cheque’s URL', async () => {
      const p = await createProgramme(t);
      const b = await issueBooklet(t, p.id, { postalCode: '31100' });
      const res = await request(t.http)
        .get(`/api/booklets/${b.id}/pdf`)
        .set('Authorization', `Bearer ${agent}`)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toContain(`carnet-${b.number}.pdf`);
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const seen = await inspectPdf(pdf, 150);
      expect(seen.pages).toBe(3);
      // the cover's QR: the booklet's own page (an unguessable token, never its number)
      expect(seen.codes[0].map((c) => c.text)).toEqual([b.coverUrl.toUpperCase()]);
      const decoded = seen.codes.slice(1).flat();
      expect(decoded.map((c) => c.text)).toEqual(
        b.cheques.map((c: { code: string }) => `HTTP://PASS.TEST/C/${c.code.replace(/-/g, '')}`),
      );
      for (const c of decoded) {
        expect(['M', 'Q', 'H']).toContain(c.ecLevel);
        expect(c.widthPx).toBeGreaterThanOrEqual(Math.floor((20 / 25.4) * 150)); // ≥ 20 mm at 150 dpi
      }
      const cover = seen.texts[0];
      expect(cover).toContain(b.number);
      expect(cover).toContain('Haute-Garonne');
      expect(cover).toContain('http://pass.test/structures');
      const cheques = seen.texts.slice(1).join('\n');
      expect(cheques).toContain('10,00');
      expect(cheques).toContain('€');
      expect(cheques).toContain(`chèque 1/10`);
      expect(cheques).toContain(`chèque 10/10`);
      expect(cheques).toContain(`31/12/${YEAR + 1}`);
      for (const c of b.cheques) expect(cheques).toContain(c.code);
      expect(pdf.length).toBeLessThan(20_000);

      // printed low on toner and read by an old webcam: blurred, noised, tilted 3°, downscaled to
      // 60 %, JPEG quality 35 — every cheque's QR still decodes, and so does the cover's
      const worn = await inspectPdf(pdf, 150, true);
      expect(worn.codes.flat().map((c) => c.text)).toEqual(seen.codes.flat().map((c) => c.text));
    });

    it('cancel with replacement: unredeemed cheques cancelled and reissued in a linked booklet, redeemed ones kept, budget follows', async () => {
      const p = await createProgramme(t);
      const b = await issueBooklet(t, p.id, { postalCode: '31100' });
      // Three cheques were redeemed (the redemption module does this; here, directly).
      await t.dataSource.query(
        `UPDATE cheque SET status = 'REDEEMED' WHERE booklet_id = $1 AND position <= 3`,
        [b.id],
      );
      const res = await request(t.http)
        .post(`/api/booklets/${b.id}/cancel`)
        .set('Authorization', `Bearer ${agent}`)
        .send({ reason: 'LOST', comment: 'Perdu au marché', replace: true })
        .expect(200);
      expect(res.body.cancelledCheques).toBe(7);
      expect(res.body.cancelled.status).toBe('CANCELLED');
      expect(res.body.cancelled.cheques.map((c: { status: string }) => c.status)).toEqual([
        ...Array(3).fill('REDEEMED'),
        ...Array(7).fill('CANCELLED'),
      ]);
      const r = res.body.replacement;
      expect(r).toMatchObject({
        chequeCount: 7,
        replacesBookletId: b.id,
        beneficiaryReference: b.beneficiary!.reference,
      });
      expect(r.cheques).toHaveLength(7);
      expect(res.body.cancelled.replacedByBookletId).toBe(r.id);
      const prog = await request(t.http)
        .get(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(prog.body.committedCents).toBe(10_000); // 10 issued − 7 cancelled + 7 reissued

      const twice = await request(t.http)
        .post(`/api/booklets/${b.id}/cancel`)
        .set('Authorization', `Bearer ${agent}`)
        .send({ reason: 'LOST', replace: true });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('BOOKLET_ALREADY_CANCELLED');
      const print = await request(t.http)
        .get(`/api/booklets/${b.id}/pdf`)
        .set('Authorization', `Bearer ${agent}`);
      expect(print.status).toBe(409);
      expect(print.body.code).toBe('BOOKLET_CANCELLED');

      await request(t.http)
        .post(`/api/booklets/${r.id}/cancel`)
        .set('Authorization', `Bearer ${agent}`)
        .send({ reason: 'STOLEN', replace: false })
        .expect(200);
      const after = await request(t.http)
        .get(`/api/programmes/${p.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(after.body.committedCents).toBe(3_000);
      const bad = await request(t.http)
        .post(`/api/booklets/${r.id}/cancel`)
        .set('Authorization', `Bearer ${agent}`)
        .send({ reason: 'BURNT' });
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'reason',
        'replace',
      ]);
    });

    it('are searchable by programme, number, status and beneficiary reference', async () => {
      const p = await createProgramme(t, { allowBeneficiaryNames: true });
      const b = await issueBooklet(t, p.id, {
        postalCode: '31100',
        reference: 'SEARCH-1',
      });
      await issueBooklet(t, p.id);
      const byProgramme = await request(t.http)
        .get(`/api/booklets?programmeId=${p.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(byProgramme.body.total).toBe(2);
      const byRef = await request(t.http)
        .get('/api/booklets?beneficiaryReference=SEARCH-1')
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(byRef.body.items.map((x: { id: string }) => x.id)).toEqual([b.id]);
      const byNumber = await request(t.http)
        .get(`/api/booklets?number=${b.number}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(byNumber.body.items[0].id).toBe(b.id);
      const bad = await request(t.http)
        .get('/api/booklets?status=LOST&pageSize=1000')
        .set('Authorization', `Bearer ${agent}`)
        .expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'pageSize',
        'status',
      ]);
    });
  });

  describe('print runs', () => {
    it('refuse a count of 0 or 10,001 naming the field', async () => {
      const p = await createProgramme(t);
      const site = await createSite(t);
      for (const n of [0, 10_001, 2.5]) {
        const res = await request(t.http)
          .post('/api/booklets/batches')
          .set('Authorization', `Bearer ${agent}`)
          .send({ programmeId: p.id, count: n, siteId: site.id });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('count');
      }
    });

    it('issue consecutive anonymous booklets, stream them as one PDF whose QR codes all decode, and list them in a manifest without codes', async () => {
      const p = await createProgramme(t);
      const site = await createSite(t, { name: 'CCAS de Toulouse; Mirail' });
      const res = await request(t.http)
        .post('/api/booklets/batches')
        .set('Authorization', `Bearer ${agent}`)
        .send({ programmeId: p.id, count: 3, siteId: site.id })
        .expect(201);
      const batch = res.body;
      expect(Number(batch.lastNumber.slice(-6)) - Number(batch.firstNumber.slice(-6))).toBe(2);
      const list = await request(t.http)
        .get(`/api/booklets?batchId=${batch.id}`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(
        list.body.items.every(
          (x: { beneficiaryReference: null }) => x.beneficiaryReference === null,
        ),
      ).toBe(true);
      const codes: string[] = (
        await t.dataSource.query(
          `SELECT c.code FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.batch_id = $1 ORDER BY b.number, c.position`,
          [batch.id],
        )
      ).map((r: { code: string }) => r.code);
      expect(codes).toHaveLength(30);

      const pdf = await request(t.http)
        .get(`/api/booklets/batches/${batch.id}/pdf`)
        .set('Authorization', `Bearer ${agent}`)
        .buffer(true)
        .parse(binary)
        .expect(200);
      const seen = await inspectPdf(pdf.body as Buffer, 150);
      expect(seen.pages).toBe(9);
      // each booklet: its cover's QR (its page), then its ten cheques
      expect(seen.codes.flat().map((c) => c.text)).toEqual(
        seen.codes.flatMap((_, page) =>
          page % 3 === 0
            ? [expect.stringMatching(/^HTTP:\/\/PASS\.TEST\/CARNET\/[0-9A-Z]{20}$/)]
            : codes
                .slice((page - 1 - Math.floor(page / 3)) * 5, (page - Math.floor(page / 3)) * 5)
                .map((c) => `HTTP://PASS.TEST/C/${c}`),
        ),
      );

      const manifest = await request(t.http)
        .get(`/api/booklets/batches/${batch.id}/manifest.csv`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(200);
      expect(manifest.headers['content-type']).toMatch(/text\/csv/);
      const text = manifest.text;
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const lines = text.slice(1).trim().split('\r\n');
      expect(lines[0]).toBe(
        'numero_carnet;nombre_cheques;valeur_faciale_euros;valeur_totale_euros;statut;lieu_de_distribution',
      );
      expect(lines.slice(1)).toEqual(
        list.body.items
          .map(
            (x: { number: string }) =>
              `${x.number};10;10,00;100,00;en stock;"CCAS de Toulouse; Mirail"`,
          )
          .reverse(),
      );
      for (const code of codes) expect(text).not.toContain(code);
      await request(t.http)
        .get('/api/booklets/batches/00000000-0000-4000-8000-000000000000/pdf')
        .set('Authorization', `Bearer ${agent}`)
        .expect(404);
    });
  });
});

describe('Issuance under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('never commits beyond the budget and never hands out a booklet number twice', async () => {
    const p = await createProgramme(t, { budgetCents: 55_000 }); // room for 5 booklets of 100 €
    const token = await t.adminToken();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        request(t.http)
          .post('/api/booklets')
          .set('Authorization', `Bearer ${token}`)
          .send({ programmeId: p.id }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.code === 'BUDGET_EXCEEDED'),
    ).toBe(true);
    const numbers = results.filter((r) => r.status === 201).map((r) => r.body.number as string);
    expect(new Set(numbers).size).toBe(5);
    const [row] = await t.dataSource.query(
      `SELECT p.committed_cents::int AS committed, (SELECT coalesce(sum(c.face_value_cents), 0)::int FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.programme_id = p.id AND c.status <> 'CANCELLED') AS issued
         FROM programme p WHERE p.id = $1`,
      [p.id],
    );
    expect(row).toEqual({ committed: 50_000, issued: 50_000 });
  });
});
