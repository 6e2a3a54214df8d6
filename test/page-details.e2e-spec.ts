import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import {
  createAssociation,
  createProgramme,
  issueBooklet,
  issuedStatement,
} from './support/factories';

/**
 * What each role reads on its pages, beyond the forms: names where the programme collects them,
 * booklet numbers instead of vague words, the reason an association cannot redeem, the statement
 * a claim became, and the public directory's contact details.
 */
describe('Pages: the details people need', () => {
  let t: TestApp;
  let admin = '';
  const page = (token: string, path: string) =>
    request(t.http)
      .get(path)
      .set('Authorization', `Bearer ${token}`)
      .set('Accept', 'text/html')
      .expect(200);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it("finds a booklet by the beneficiary's name, and names the booklet a replacement replaces", async () => {
    const programme = await createProgramme(t, { allowBeneficiaryNames: true });
    const booklet = await issueBooklet(t, programme.id, {
      postalCode: '31100',
      firstName: 'Josiane',
      lastName: 'Dupré',
    });
    await issueBooklet(t, programme.id, { postalCode: '31100', lastName: 'Martin' });
    const found = await page(admin, '/agent/carnets?beneficiaryName=dup');
    expect(found.text).toContain('Josiane Dupré');
    expect(found.text).toContain(booklet.number);
    expect(found.text).not.toContain('Martin');
    expect(found.text).toContain('id="beneficiaryName"');

    const cancelled = await request(t.http)
      .post(`/api/booklets/${booklet.id}/cancel`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'LOST', replace: true })
      .expect(200);
    const replacement = cancelled.body.replacement as { id: string; number: string };
    const replacementPage = await page(admin, `/agent/carnets/${replacement.id}`);
    expect(replacementPage.text).toContain(`le carnet annulé ${booklet.number}`);
    const originalPage = await page(admin, `/agent/carnets/${booklet.id}`);
    expect(originalPage.text).toContain(`le carnet ${replacement.number}`);
  });

  it('tells a suspended association why it cannot redeem as soon as it opens the page', async () => {
    const association = await createAssociation(t, { name: 'Atelier suspendu' });
    const staff = await t.userToken('ASSOCIATION', { associationId: association.id });
    const open = await page(staff.token, '/structure/encaisser');
    expect(open.text).not.toContain('role="alert"><p>');
    await request(t.http)
      .post(`/api/associations/${association.id}/suspend`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ reason: 'Contrôle de la convention en cours' })
      .expect(200);
    const blocked = await page(staff.token, '/structure/encaisser');
    expect(blocked.text).toContain(
      'L&#x27;habilitation de votre structure est suspendue depuis le',
    );
    expect(blocked.text).toContain('Motif : Contrôle de la convention en cours.');
  });

  it('links a claim to the statement it became', async () => {
    const programme = await createProgramme(t);
    const statement = await issuedStatement(t, programme.id, admin, { count: 2 });
    const staff = await t.userToken('ASSOCIATION', { associationId: statement.associationId });
    const claims = await page(staff.token, '/structure/demandes');
    expect(claims.text).toContain(`état n° ${statement.number} (PDF)`);
    expect(claims.text).toContain(`/api/statements/${statement.id}/pdf`);
    const claimId = /href="\/structure\/demandes\/([0-9a-f-]{36})"/.exec(claims.text)?.[1];
    const claim = await page(staff.token, `/structure/demandes/${claimId}`);
    expect(claim.text).toContain(`n° ${statement.number}`);
  });

  it('masks the names of the groups too when every group holds one person (the total would say "one each")', async () => {
    const programme = await createProgramme(t);
    const association = await createAssociation(t, { name: 'Une par commune' });
    const staff = await t.userToken('ASSOCIATION', { associationId: association.id });
    for (const postalCode of ['31000', '31400']) {
      const booklet = await issueBooklet(t, programme.id, { postalCode });
      await request(t.http)
        .post('/api/redemptions')
        .set('Authorization', `Bearer ${staff.token}`)
        .set('Idempotency-Key', randomUUID())
        .send({
          codes: [booklet.cheques[0].code],
          activity: 'Smartphone',
          sessionDate: parisToday(),
        })
        .expect(201);
    }
    const stats = async (indicator: string, filter = '') =>
      (
        await request(t.http)
          .get(`/api/stats/${indicator}?programmeId=${programme.id}${filter}`)
          .set('Authorization', `Bearer ${admin}`)
          .expect(200)
      ).body as { rows: Record<string, unknown>[] };
    expect((await stats('overview')).rows[0]).toMatchObject({ beneficiariesServed: 2 });
    const communes = (await stats('communes')).rows;
    expect(communes).toHaveLength(2);
    for (const row of communes)
      expect(row).toMatchObject({ postalCode: 'masqué', beneficiariesServed: '< 5' });
    // one row only: the total is that row, its name would say where the one person lives
    expect((await stats('communes', '&postalCode=31000')).rows).toEqual([
      expect.objectContaining({ postalCode: 'masqué', beneficiariesServed: '< 5' }),
    ]);
    // the page and the CSV show a masked month as such
    const statsPage = await page(admin, `/agent/statistiques?programmeId=${programme.id}`);
    expect(statsPage.text).toContain('>masqué</td>');
    await request(t.http)
      .get(`/api/stats/monthly/export.csv?programmeId=${programme.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200)
      .expect(/masqué/);
    expect((await stats('monthly')).rows[0]).toMatchObject({
      month: 'masqué',
      bookletsIssued: '< 5',
    });
  });

  it('gives the public the e-mail and opening hours of each association', async () => {
    const association = await createAssociation(t, {
      name: 'Numérique pour tous',
      postalCode: '31500',
      city: 'Toulouse',
      email: 'bonjour@numerique.example',
    });
    await request(t.http)
      .patch(`/api/associations/${association.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ openingHours: 'Mardi et jeudi, 14 h – 17 h' })
      .expect(200);
    const directory = await request(t.http).get('/structures?q=31500').expect(200);
    expect(directory.text).toContain('Ouverture : Mardi et jeudi, 14 h – 17 h');
    expect(directory.text).toContain('href="mailto:bonjour@numerique.example"');
    const api = await request(t.http).get('/api/public/associations?q=31500').expect(200);
    expect(api.body).toEqual([
      expect.objectContaining({
        name: 'Numérique pour tous',
        email: 'bonjour@numerique.example',
        openingHours: 'Mardi et jeudi, 14 h – 17 h',
      }),
    ]);
  });
});
