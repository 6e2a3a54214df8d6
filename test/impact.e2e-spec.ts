import {
  fromSchemaLieuDeMediationNumerique,
  SchemaLieuMediationNumerique,
} from '@gouvfr-anct/lieux-de-mediation-numerique';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { PersonalDataService } from '../src/beneficiaries/personal-data.service';
import { parisToday, shiftDay } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import {
  createAssociation,
  createProgramme,
  handOver,
  issueBooklet,
  printRun,
} from './support/factories';

const today = parisToday();

/** Parses our CSV (BOM, `;` or `,`, no quoted separators in these tests). */
function parseCsv(text: string, separator = ';'): string[][] {
  return text
    .replace(/^\ufeff/, '')
    .trim()
    .split('\r\n')
    .map((l) => l.split(separator));
}

/**
 * Indicators, open data and personal-data retention on generated data: 13 beneficiaries (8 in
 * 31100, 3 in 31200, 2 anonymous booklets of a print run), 10 workshops at two associations.
 */
describe('Impact indicators, open data and personal data', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let agent: string;
  let programme: { id: string; claimDeadline: string; budgetCents: number };
  let assoA: { id: string; siret: string; name: string };
  let assoB: { id: string; siret: string };
  let staffA: string;
  let staffB: string;
  const references: string[] = [];

  const redeem = (token: string, codes: string[], activity: string, workshopPriceCents?: number) =>
    request(t.http)
      .post('/api/redemptions')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', randomUUID())
      .send({
        codes,
        activity,
        sessionDate: today,
        ...(workshopPriceCents ? { workshopPriceCents } : {}),
      })
      .expect(201);
  const stats = async (indicator: string, query: Record<string, string> = {}) =>
    (
      await request(t.http)
        .get(`/api/stats/${indicator}`)
        .query({ programmeId: programme.id, ...query })
        .set('Authorization', `Bearer ${agent}`)
        .expect(200)
    ).body as {
      rows: Record<string, number | string | null>[];
      maskedCells: number;
      columns: { key: string; label: string }[];
    };

  /** Cancels the (only) booklet of a beneficiary, without replacement. */
  async function cancelBookletOf(reference: string) {
    const booklets = await request(t.http)
      .get(`/api/booklets?beneficiaryReference=${reference}`)
      .set('Authorization', `Bearer ${agent}`)
      .expect(200);
    await request(t.http)
      .post(`/api/booklets/${booklets.body.items[0].id}/cancel`)
      .set('Authorization', `Bearer ${agent}`)
      .send({ reason: 'OTHER', replace: false })
      .expect(200);
  }

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOOKUP_FAILURE_LIMIT: '1000', RETENTION_JOB_ENABLED: 'false' },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
    agent = (await t.userToken('AGENT')).token;
    programme = (await createProgramme(t, {
      activities: ['Smartphone', 'Démarches administratives en ligne'],
      allowBeneficiaryNames: true,
    })) as typeof programme;
    assoA = (await createAssociation(t, {
      name: 'Connectés du Mirail',
      activities: ['Smartphone', 'Démarches en ligne'],
    })) as typeof assoA;
    assoB = (await createAssociation(t, {
      name: 'Muret Numérique',
      postalCode: '31600',
      city: 'Muret',
      phone: '05 61 00 00 00',
    })) as typeof assoB;
    staffA = (await t.userToken('ASSOCIATION', { associationId: assoA.id })).token;
    staffB = (await t.userToken('ASSOCIATION', { associationId: assoB.id })).token;

    const a: string[][] = [];
    for (let i = 0; i < 8; i++) {
      const b = await issueBooklet(t, programme.id, {
        postalCode: '31100',
        ageBand: '25_39',
        firstName: 'Camille',
        lastName: `Martin${i}`,
      });
      references.push(b.beneficiary!.reference);
      a.push(b.cheques.map((c) => c.code));
    }
    const b: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const booklet = await issueBooklet(t, programme.id, {
        postalCode: '31200',
        ageBand: '65_74',
      });
      references.push(booklet.beneficiary!.reference);
      b.push(booklet.cheques.map((c) => c.code));
    }
    const batch = await printRun(t, programme.id, 2);
    const [anonymous] = (
      await t.dataSource.query(
        `SELECT c.code, bk.id FROM cheque c JOIN booklet bk ON bk.id = c.booklet_id WHERE bk.batch_id = $1 ORDER BY bk.number, c.position LIMIT 1`,
        [batch.id],
      )
    ).map((r: { code: string; id: string }) => r);
    // a print-run booklet is redeemable once handed over
    await handOver(t, anonymous.id, { postalCode: '31300' });

    for (let i = 0; i < 6; i++) await redeem(staffA, a[i].slice(0, 2), 'Smartphone', 2000);
    for (let i = 0; i < 3; i++)
      await redeem(staffB, b[i].slice(0, 1), 'Démarches administratives en ligne', 3000);
    await redeem(staffA, [anonymous.code], 'Smartphone');
  });
  afterAll(() => t.close());

  describe('indicators', () => {
    it('overview: booklets, cheques and money, computed in the database', async () => {
      const { rows, maskedCells } = await stats('overview');
      expect(maskedCells).toBe(0);
      expect(rows).toEqual([
        {
          bookletsIssued: 13,
          beneficiaries: 13,
          chequesIssued: 130,
          chequesRedeemed: 16,
          chequesExpired: 0,
          chequesCancelled: 0,
          redemptionRate: 12.3,
          committedCents: 130_000,
          redeemedCents: 16_000,
          claimedCents: 0,
          paidCents: 0,
          budgetRemainingCents: programme.budgetCents - 130_000,
          beneficiariesServed: 10,
          activeAssociations: 2,
        },
      ]);
    });

    it('claimed and paid follow the statements', async () => {
      const claim = await request(t.http)
        .post('/api/claims')
        .set('Authorization', `Bearer ${staffA}`)
        .send({ upTo: today })
        .expect(201);
      await request(t.http)
        .post(`/api/claims/${claim.body.id}/submit`)
        .set('Authorization', `Bearer ${staffA}`)
        .expect(200);
      const statement = await request(t.http)
        .post(`/api/claims/${claim.body.id}/issue`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(201);
      await request(t.http)
        .post(`/api/statements/${statement.body.id}/approve`)
        .set('Authorization', `Bearer ${admin2}`)
        .expect(200);
      expect((await stats('overview')).rows[0]).toMatchObject({
        claimedCents: 13_000,
        paidCents: 0,
      });
      await request(t.http)
        .post(`/api/statements/${statement.body.id}/paid`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ paidOn: today, paymentReference: 'MANDAT-2026-001' })
        .expect(200);
      expect((await stats('overview')).rows[0]).toMatchObject({
        claimedCents: 13_000,
        paidCents: 13_000,
      });
    });

    it('any cell counting fewer than 5 beneficiaries is shown as "< 5"', async () => {
      const { rows, maskedCells } = await stats('overview', { postalCode: '31200' });
      expect(rows[0]).toMatchObject({
        bookletsIssued: '< 5',
        beneficiaries: '< 5',
        chequesRedeemed: '< 5',
        redeemedCents: '< 5',
        redemptionRate: '< 5',
        beneficiariesServed: '< 5',
        budgetRemainingCents: programme.budgetCents - 130_000,
        // a lower bound of the workshops, and expired = issued − redeemed − cancelled: masked too
        activeAssociations: '< 5',
        chequesExpired: '< 5',
      });
      expect(maskedCells).toBe(13);
      // Filters combine; an empty selection is 0, not masked.
      expect(
        (await stats('overview', { postalCode: '31100', ageBand: '65_74' })).rows[0],
      ).toMatchObject({
        bookletsIssued: 0,
        chequesRedeemed: 0,
      });
    });

    it('per commune and per association: small cells masked, and enough others that none can be recovered (secondary suppression)', async () => {
      const masked = {
        beneficiariesServed: 'masqué',
        workshops: 'masqué',
        chequesRedeemed: 'masqué',
        redeemedCents: 'masqué',
      };
      const small = {
        beneficiariesServed: '< 5',
        workshops: '< 5',
        chequesRedeemed: '< 5',
        redeemedCents: '< 5',
      };
      // 6 people served in 31100, 4 in the two small communes together: fewer than 5, so 31100 is
      // masked too (else the total minus it would give their sum, and so each one's range)
      expect((await stats('communes')).rows).toEqual([
        { postalCode: '31100', ...masked },
        { postalCode: '31200', ...small },
        { postalCode: '31300', ...small },
      ]);
      // the programme's totals stay exact: they single nobody out
      const totals = (await stats('overview')).rows[0];
      expect(totals).toMatchObject({ beneficiariesServed: 10, chequesRedeemed: 16 });
      // asking for each commune in turn gives back no more than the breakdown
      for (const postalCode of ['31100', '31200', '31300'])
        expect((await stats('overview', { postalCode })).rows[0]).toMatchObject({
          beneficiariesServed: postalCode === '31100' ? 'masqué' : '< 5',
          chequesRedeemed: postalCode === '31100' ? 'masqué' : '< 5',
          redemptionRate: postalCode === '31100' ? 'masqué' : '< 5',
        });
      // one small association: the other is masked with it, or the total would give it back
      expect((await stats('associations')).rows).toEqual([
        { association: 'Connectés du Mirail', ...masked },
        { association: 'Muret Numérique', ...small },
      ]);
      for (const associationId of [assoA.id, assoB.id, assoA.id.toUpperCase()])
        expect(
          (await stats('overview', { associationId })).rows[0].beneficiariesServed,
        ).not.toEqual(expect.any(Number));
      // a filter that changes nothing (a period from 1900), or a second filter, does not lift
      // the masking of a group: it is decided among the groups within the other filters
      for (const extra of <Record<string, string>[]>[
        { from: '1900-01-01' },
        { to: '2999-12-31' },
        { activity: 'Smartphone' },
      ])
        for (const postalCode of ['31100', '31200', '31300']) {
          const row = (await stats('overview', { postalCode, ...extra })).rows[0];
          // masked, or 0 (nobody of that commune at that workshop: zero singles nobody out)
          const served = row.beneficiariesServed;
          expect([postalCode, typeof served !== 'number' || served === 0]).toEqual([
            postalCode,
            true,
          ]);
        }
      // a period alone is the programme's totals over that period: not masked
      expect((await stats('overview', { from: '1900-01-01' })).rows[0].beneficiariesServed).toBe(
        10,
      );
      expect(
        (await stats('associations', { associationId: assoA.id, activity: 'Smartphone' })).rows,
      ).toHaveLength(1);
    });

    it('workshops, delays and the monthly series', async () => {
      expect((await stats('workshops')).rows).toEqual([
        {
          workshops: 10,
          chequesPerWorkshop: 1.6,
          fullyCoveredShare: 66.7,
          partlyCoveredShare: 33.3,
          priceUnknown: 1,
        },
      ]);
      expect((await stats('delays')).rows).toEqual([
        {
          bookletsUsed: 10,
          firstQ1: 0,
          firstMedian: 0,
          firstQ3: 0,
          lastQ1: 0,
          lastMedian: 0,
          lastQ3: 0,
        },
      ]);
      expect((await stats('monthly')).rows).toEqual([
        {
          month: today.slice(0, 7),
          bookletsIssued: 13,
          chequesIssued: 130,
          workshops: 10,
          chequesRedeemed: 16,
          redeemedCents: 16_000,
          beneficiariesServed: 10,
        },
      ]);
      // A period without activity.
      expect(
        (await stats('monthly', { from: shiftDay(today, -400), to: shiftDay(today, -300) })).rows,
      ).toEqual([]);
    });

    it('exports each indicator as CSV with French headers, decimal commas and "< 5"', async () => {
      const res = await request(t.http)
        .get('/api/stats/overview/export.csv')
        .query({ programmeId: programme.id, postalCode: '31200' })
        .set('Authorization', `Bearer ${agent}`)
        .expect(200)
        .expect('Content-Type', /text\/csv/);
      const [header, row] = parseCsv(res.text);
      expect(header[0]).toBe('Carnets remis');
      expect(row[0]).toBe('< 5');
      const all = parseCsv(
        (
          await request(t.http)
            .get('/api/stats/overview/export.csv')
            .query({ programmeId: programme.id })
            .set('Authorization', `Bearer ${agent}`)
        ).text,
      );
      expect(all[1][header.indexOf('Taux d’utilisation des chèques émis (%)')]).toBe('12,3');
      expect(all[1][header.indexOf('Montant encaissé')]).toBe('160,00');
    });

    it('refuses association staff, unknown indicators and bad filters', async () => {
      await request(t.http)
        .get('/api/stats/overview')
        .query({ programmeId: programme.id })
        .set('Authorization', `Bearer ${staffA}`)
        .expect(403);
      const bad = await request(t.http)
        .get('/api/stats/everything')
        .query({ programmeId: programme.id })
        .set('Authorization', `Bearer ${agent}`)
        .expect(400);
      expect(bad.body.errors[0].field).toBe('indicator');
      const filter = await request(t.http)
        .get('/api/stats/overview')
        .query({ programmeId: programme.id, postalCode: '31' })
        .set('Authorization', `Bearer ${agent}`)
        .expect(400);
      expect(filter.body.errors[0].field).toBe('postalCode');
      await request(t.http)
        .get('/api/stats/overview')
        .query({ programmeId: randomUUID() })
        .set('Authorization', `Bearer ${agent}`)
        .expect(404);
    });
  });

  describe('open data', () => {
    it('lieux.json: the accredited associations as lieux de médiation numérique, valid for the standard’s own library', async () => {
      const res = await request(t.http).get('/api/public/open-data/lieux.json').expect(200);
      const lieux = res.body as SchemaLieuMediationNumerique[];
      expect(lieux.map((l) => l.pivot).sort()).toEqual([assoA.siret, assoB.siret].sort());
      const a = lieux.find((l) => l.pivot === assoA.siret)!;
      expect(a).toMatchObject({
        nom: 'Connectés du Mirail',
        code_postal: '31100',
        commune: 'Toulouse',
        typologie: 'ASSO',
      });
      expect(a.services).toContain('Aide aux démarches administratives');
      expect(a.services).toContain('Maîtrise des outils numériques du quotidien');
      // Read back through the library: it validates every field and throws on a bad one.
      for (const lieu of lieux)
        expect(() => fromSchemaLieuDeMediationNumerique(lieu)).not.toThrow();
    });

    it('lieux.csv: the same records, the standard’s columns; a suspended association leaves the list', async () => {
      const csv = parseCsv(
        (await request(t.http).get('/api/public/open-data/lieux.csv').expect(200)).text,
        ',',
      );
      expect(csv[0].slice(0, 3)).toEqual(['id', 'pivot', 'nom']);
      expect(csv).toHaveLength(3);
      await request(t.http)
        .post(`/api/associations/${assoB.id}/suspend`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ reason: 'Contrôle en cours' })
        .expect(200);
      const after = (await request(t.http).get('/api/public/open-data/lieux.json').expect(200))
        .body as SchemaLieuMediationNumerique[];
      expect(after.map((l) => l.pivot)).toEqual([assoA.siret]);
      await request(t.http)
        .post(`/api/associations/${assoB.id}/reinstate`)
        .set('Authorization', `Bearer ${admin}`)
        .send({})
        .expect(200);
    });

    it('usage.csv: monthly usage per commune of the venue and activity, small cells masked with the cells that would give them back', async () => {
      const csv = parseCsv(
        (await request(t.http).get('/api/public/open-data/usage.csv').expect(200)).text,
      );
      expect(csv[0]).toEqual([
        'mois',
        'dispositif',
        'code_postal',
        'commune',
        'activite',
        'ateliers',
        'cheques',
        'montant_euros',
        'beneficiaires',
      ]);
      expect(csv.slice(1)).toEqual([
        [
          today.slice(0, 7),
          expect.any(String),
          '31100',
          'Toulouse',
          'Smartphone',
          'masqué',
          'masqué',
          'masqué',
          'masqué',
        ],
        [
          today.slice(0, 7),
          expect.any(String),
          '31600',
          'Muret',
          'Démarches administratives en ligne',
          '< 5',
          '< 5',
          '< 5',
          '< 5',
        ],
      ]);
    });
  });

  describe('personal data', () => {
    it('exports one beneficiary’s data, audited', async () => {
      const res = await request(t.http)
        .get(`/api/beneficiaries/${references[0]}/export`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(res.body.beneficiary).toMatchObject({
        reference: references[0],
        postalCode: '31100',
        firstName: 'Camille',
        lastName: 'Martin0',
      });
      expect(res.body.booklets[0].cheques).toHaveLength(10);
      expect(res.body.booklets[0].cheques[0].redemption).toMatchObject({
        activity: 'Smartphone',
        associationName: 'Connectés du Mirail',
        amountCents: 1000,
      });
      const audit = await request(t.http)
        .get('/api/audit?action=beneficiary.exported')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(audit.body.total).toBe(1);
      await request(t.http)
        .get(`/api/beneficiaries/${references[0]}/export`)
        .set('Authorization', `Bearer ${agent}`)
        .expect(403);
    });

    it('refuses erasure while a booklet can be used, and while redeemed cheques must be kept, saying why', async () => {
      const active = await request(t.http)
        .post(`/api/beneficiaries/${references[0]}/erase`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(409);
      expect(active.body.code).toBe('BENEFICIARY_HAS_ACTIVE_BOOKLET');
      expect(active.body.detail).toMatch(/annulez-le d'abord/);
      await cancelBookletOf(references[0]);
      const kept = await request(t.http)
        .post(`/api/beneficiaries/${references[0]}/erase`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(409);
      expect(kept.body.code).toBe('ACCOUNTING_RECORDS_KEPT');
      const until = shiftDay(programme.claimDeadline, 0).replace(/^(\d{4})/, (y) =>
        String(Number(y) + 3),
      );
      expect(kept.body.detail).toContain(until.split('-').reverse().join('/'));
    });

    it('erases on request when nothing must be kept: names and reference gone, figures intact', async () => {
      // Beneficiary 7 (31100) redeemed nothing; cancel the booklet, then erase.
      const ref = references[7];
      await cancelBookletOf(ref);
      const before = await stats('overview');
      const erased = await request(t.http)
        .post(`/api/beneficiaries/${ref}/erase`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(erased.body.reference).toMatch(/^EFFACE-[0-9A-F]{16}$/);
      await request(t.http)
        .get(`/api/beneficiaries/${ref}/export`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(404);
      const row = await t.dataSource.query(
        `SELECT first_name, last_name, postal_code, erased_at FROM beneficiary WHERE reference = $1`,
        [erased.body.reference],
      );
      expect(row[0]).toMatchObject({ first_name: null, last_name: null, postal_code: '31100' });
      expect(await stats('overview')).toEqual(before);
      await request(t.http)
        .post(`/api/beneficiaries/${erased.body.reference}/erase`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(409);
    });

    it('the retention job erases everyone past the claim deadline + 3 years, keeps figures and accounts, and is audited', async () => {
      const personalData = t.app.get(PersonalDataService);
      const overview = await stats('overview');
      const statements = await t.dataSource.query(
        `SELECT number, content_hash, total_cents FROM statement ORDER BY number`,
      );
      // The day before the end of retention: nothing goes.
      const end = programme.claimDeadline.replace(/^(\d{4})/, (y) => String(Number(y) + 3));
      expect(await personalData.runRetention(null, end)).toEqual({ erased: 0, today: end });
      const result = await personalData.runRetention(null, shiftDay(end, 1));
      expect(result.erased).toBe(11); // 12 beneficiaries (one handed a print-run booklet), one already erased on request
      const left = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM beneficiary WHERE erased_at IS NULL OR first_name IS NOT NULL OR reference NOT LIKE 'EFFACE-%'`,
      );
      expect(left[0].n).toBe(0);
      expect(await stats('overview')).toEqual(overview);
      expect(
        await t.dataSource.query(
          `SELECT number, content_hash, total_cents FROM statement ORDER BY number`,
        ),
      ).toEqual(statements);
      const verify = await request(t.http)
        .get('/api/audit/verify')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(verify.body).toMatchObject({ ok: true, brokenStatements: [] });
      const audit = await request(t.http)
        .get('/api/audit?action=beneficiary.retention_erased')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(audit.body.items[0].after).toMatchObject({ count: 11, retentionYears: 3 });
      expect(await personalData.runRetention(null, shiftDay(end, 2))).toEqual({
        erased: 0,
        today: shiftDay(end, 2),
      });
    });

    it('npm run retention:run runs the same job from the command line', async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/beneficiaries/retention.cli.ts'],
        {
          cwd: join(__dirname, '..'),
          env: { ...process.env, DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'silent' },
        },
      );
      expect(stdout).toMatch(
        /Retention \(3 years after each programme's claim deadline\): 0 beneficiaries erased on \d{4}-\d{2}-\d{2}\./,
      );
    });
  });

  it('the dashboard page shows the indicators with their charts', async () => {
    const page = await request(t.http)
      .get(`/agent/statistiques?programmeId=${programme.id}`)
      .set('Authorization', `Bearer ${agent}`)
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('Indicateurs');
    expect(page.text).toContain('/assets/chartjs/chart.umd.js');
  });
});
