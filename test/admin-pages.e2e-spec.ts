import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, TestApp } from './support/app';
import { fakeSiret, IBAN, issueBooklet } from './support/factories';

import { csrfOf, expectSignedIn } from './support/pages';
const OTHER_IBAN = 'FR1420041010050500013M02606';
const THIRD_IBAN = 'FR7610107001011234567890129';
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** What a refused form must never show: the API's English field messages or an empty error code. */
const ENGLISH = /must be|is not a valid|should not|only for role|Code ·/;

/**
 * The administrators' forms, driven as a browser does (session cookie, CSRF token, urlencoded or
 * multipart bodies): programmes, associations, accounts. A refused form comes back as the same
 * page with the French reason beside the field and what was typed kept; nothing is written.
 */
describe('Administration pages: programmes, associations, accounts', () => {
  let t: TestApp;
  let admin: request.Agent;
  let csrf = '';
  let adminToken = '';

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOGIN_RATE_LIMIT_PER_IP: '1000', LOGIN_RATE_LIMIT_PER_EMAIL: '1000' },
    });
    adminToken = await t.adminToken();
    admin = request.agent(t.http);
    const form = await admin.get('/connexion').set('Accept', 'text/html').expect(200);
    await expectSignedIn(
      admin,
      t.databaseUrl,
      ADMIN_EMAIL,
      admin
        .post('/connexion')
        .type('form')
        .send({ _csrf: csrfOf(form.text), email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    );
    csrf = csrfOf((await admin.get('/agent').expect(200)).text);
  });
  afterAll(() => t.close());

  const post = (path: string, fields: Record<string, string | string[]>) =>
    admin
      .post(path)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrf, ...fields });
  const count = async (table: string) =>
    Number((await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  it('creates a programme from its page: amounts typed in euros, errors in French beside the fields, nothing half-written', async () => {
    const empty = await admin.get('/agent').expect(200);
    expect(empty.text).toContain('href="/admin/dispositifs/nouveau"');
    const today = parisToday();
    const fields = {
      name: 'Pass numérique des Pyrénées',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      budget: 'beaucoup',
      faceValue: '10,00',
      chequesPerBooklet: '10',
      validFrom: today,
      expiresOn: addDays(today, -1),
      claimDeadline: addDays(today, 60),
      activities: 'Smartphone\nDémarches en ligne',
      budgetChapter: '65',
    };
    const refused = await post('/admin/dispositifs/nouveau', fields).expect(400);
    expect(refused.text).toContain('n’est pas un montant en euros');
    expect(refused.text).toContain('id="err-create-budgetCents"');
    expect(refused.text).toContain('value="Pass numérique des Pyrénées"');
    expect(refused.text).not.toMatch(ENGLISH);
    expect(await count('programme')).toBe(0);

    const dates = await post('/admin/dispositifs/nouveau', {
      ...fields,
      budget: '49 600,50',
    }).expect(400);
    expect(dates.text).toContain('ne peut pas précéder le début de validité');
    expect(dates.text).toMatch(/id="expiresOn"[^>]*aria-invalid="true"/);
    expect(await count('programme')).toBe(0);

    const created = await post('/admin/dispositifs/nouveau', {
      ...fields,
      budget: '49 600,50',
      expiresOn: addDays(today, 30),
      allowBeneficiaryNames: 'oui',
    }).expect(303);
    const id = /\/admin\/dispositifs\/([0-9a-f-]{36})\?fait=cree$/.exec(
      created.headers.location,
    )?.[1];
    expect(id).toBeDefined();
    const api = await request(t.http)
      .get(`/api/programmes/${id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(api.body).toMatchObject({
      budgetChapter: '65',
      budgetCents: 4_960_050,
      faceValueCents: 1000,
      activities: ['Smartphone', 'Démarches en ligne'],
      allowBeneficiaryNames: true,
    });
    const page = await admin.get(created.headers.location).expect(200);
    expect(page.text).toContain('Le dispositif est créé.');
    expect(page.text).toContain('value="49600,50"');
    // the activities as they are, one per line, not indented by the template
    expect(page.text).toContain('>Smartphone\nDémarches en ligne</textarea>');
    expect(page.text).toContain('id="faceValue"');

    // once a booklet exists, what is printed is shown, not offered; dates only move later
    await issueBooklet(t, id!);
    const frozen = await admin.get(`/admin/dispositifs/${id}`).expect(200);
    expect(frozen.text).toContain('imprimées sur les carnets déjà émis');
    expect(frozen.text).not.toContain('id="faceValue"');
    await post(`/admin/dispositifs/${id}/modifier`, {
      name: 'Pass numérique 31',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      budget: '60 000',
      activities: 'Smartphone',
      faceValue: '20,00',
      budgetChapter: '',
    }).expect(303);
    const after = (
      await request(t.http)
        .get(`/api/programmes/${id}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .expect(200)
    ).body;
    expect(after).toMatchObject({
      name: 'Pass numérique 31',
      budgetCents: 6_000_000,
      faceValueCents: 1000,
      allowBeneficiaryNames: false,
      // emptied on the form: erased
      budgetChapter: null,
    });
    const below = await post(`/admin/dispositifs/${id}/modifier`, {
      name: 'Pass numérique 31',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      budget: '50',
      activities: 'Smartphone',
    }).expect(400);
    expect(below.text).toContain('inférieur au montant déjà engagé');
    expect(below.text).toContain('value="50"');

    const earlier = await post(`/admin/dispositifs/${id}/prolonger`, {
      expiresOn: addDays(today, 10),
      reason: 'Délibération 2026-12',
    }).expect(400);
    expect(earlier.text).toContain('ne peut pas précéder la date actuelle');
    expect(earlier.text).toContain('value="Délibération 2026-12"');
    await post(`/admin/dispositifs/${id}/prolonger`, {
      expiresOn: addDays(today, 45),
      reason: 'Délibération 2026-12',
    }).expect(303);
    const extended = await request(t.http)
      .get(`/api/programmes/${id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(extended.body.expiresOn).toBe(addDays(today, 45));

    // agents see the list, not the forms; a refusal keeps their header and menu
    const agent = await t.userToken('AGENT', { displayName: 'Agnès Agent' });
    const list = await request(t.http)
      .get('/admin/dispositifs')
      .set('Authorization', `Bearer ${agent.token}`)
      .set('Accept', 'text/html')
      .expect(200);
    expect(list.text).toContain('Pass numérique 31');
    expect(list.text).not.toContain('/admin/dispositifs/nouveau');
    const denied = await request(t.http)
      .get('/admin/dispositifs/nouveau')
      .set('Authorization', `Bearer ${agent.token}`)
      .set('Accept', 'text/html')
      .expect(403);
    expect(denied.text).toContain('Accès refusé');
    expect(denied.text).toContain('Se déconnecter');
    expect(denied.text).toContain('href="/agent/carnets"');
    const missing = await admin.get('/nulle-part').set('Accept', 'text/html').expect(404);
    expect(missing.text).toContain('Se déconnecter');
  });

  it('adds an association and keeps it right from its page: French errors, accreditation history with names, revocation confirmed, bank details by four eyes', async () => {
    const before = await count('association');
    const fields = {
      name: 'Les Connectés du Mirail',
      siret: '12345678901234',
      address: '12 allée de Bellefontaine',
      postalCode: '31100',
      city: 'Toulouse',
      email: 'contact@connectes.example',
      iban: 'FR76 0000',
      activities: 'Smartphone',
    };
    const refused = await post('/admin/structures', fields).expect(400);
    expect(refused.text).toContain('doit compter 14 chiffres et être un numéro SIRET valide');
    expect(refused.text).toContain('n’est pas un IBAN valide');
    expect(refused.text).toContain('value="Les Connectés du Mirail"');
    expect(refused.text).toContain('value="FR76 0000"');
    expect(refused.text).not.toMatch(ENGLISH);
    expect(await count('association')).toBe(before);

    const created = await post('/admin/structures', {
      ...fields,
      siret: fakeSiret(),
      iban: IBAN,
    }).expect(303);
    const path = created.headers.location.split('?')[0];
    const id = path.split('/').pop()!;
    const page = await admin.get(created.headers.location).expect(200);
    expect(page.text).toContain('La structure est enregistrée.');
    expect(page.text).toContain('Jamais habilitée.');

    await post(`${path}/modifier`, {
      name: 'Les Connectés du Mirail',
      siret: await structureSiret(id),
      address: '14 allée de Bellefontaine',
      postalCode: '31100',
      city: 'Toulouse',
      email: 'accueil@connectes.example',
      activities: 'Smartphone\nTablette',
    }).expect(303);
    const today = parisToday();
    await post(`${path}/habiliter`, { validFrom: today, validUntil: addDays(today, 365) }).expect(
      303,
    );
    const short = await post(`${path}/suspendre`, { reason: 'x' }).expect(400);
    expect(short.text).toContain('est trop court');
    expect(short.text).toMatch(/id="suspend-reason"[^>]*aria-invalid="true"/);
    await post(`${path}/suspendre`, { reason: 'Contrôle sur place' }).expect(303);
    await post(`${path}/retablir`, {}).expect(303);
    const unconfirmed = await post(`${path}/retirer`, { reason: 'Fin de convention' }).expect(400);
    expect(unconfirmed.text).toContain('cochez la case pour confirmer le retrait');
    expect(unconfirmed.text).toContain('value="Fin de convention"');
    const still = await request(t.http)
      .get(`/api/associations/${id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(still.body).toMatchObject({ accreditedToday: true, email: 'accueil@connectes.example' });
    expect(still.body.activities).toEqual(['Smartphone', 'Tablette']);
    await post(`${path}/retirer`, {
      reason: 'Fin de convention',
      confirmRevoke: 'oui',
    }).expect(303);
    const history = await admin.get(path).expect(200);
    for (const line of [
      'Accordée le',
      'Suspendue le',
      'motif : Contrôle sur place',
      'Rétablie le',
      'motif : Fin de convention',
      'par Administrateur',
      "Ne peut pas encaisser aujourd'hui",
    ])
      expect(history.text).toContain(line);
    expect(history.text).not.toMatch(/\b(ACTIVE|SUSPENDED|REVOKED|GRANTED)\b/);

    // new bank details: with the RIB; the one who asked cannot confirm them
    const noFile = await admin
      .post(`${path}/rib`)
      .set('Accept', 'text/html')
      .field('_csrf', csrf)
      .field('iban', OTHER_IBAN)
      .expect(400);
    expect(noFile.text).toContain('RIB');
    expect(noFile.text).toContain(`value="${OTHER_IBAN}"`);
    const askBankDetails = (iban: string) =>
      admin
        .post(`${path}/rib`)
        .set('Accept', 'text/html')
        .field('_csrf', csrf)
        .field('iban', iban)
        .attach('file', Buffer.from('%PDF-1.4\n%%EOF\n'), 'rib.pdf')
        .expect(303);
    await askBankDetails(OTHER_IBAN);
    const pending = await admin.get(path).expect(200);
    expect(pending.text).toContain('Nouvelles coordonnées à confirmer');
    expect(pending.text).toContain('Un autre administrateur doit les confirmer');
    expect(pending.text).not.toContain(`${id}/rib-confirmer`);
    const self = await post(`${path}/rib-confirmer`, {}).expect(400);
    expect(self.text).not.toMatch(ENGLISH);
    const second = await t.userToken('ADMIN', { displayName: 'Bérénice Second' });
    const asSecond = (action: string, fields: Record<string, string>) =>
      request(t.http)
        .post(`${path}/${action}`)
        .set('Authorization', `Bearer ${second.token}`)
        .set('Accept', 'text/html')
        .type('form')
        .send(fields);
    /** The pending change the second administrator sees on the page (sent back to confirm). */
    const changeIdSeen = async () =>
      /name="changeId" value="([^"]+)"/.exec(
        (
          await request(t.http)
            .get(path)
            .set('Authorization', `Bearer ${second.token}`)
            .set('Accept', 'text/html')
            .expect(200)
        ).text,
      )![1];
    // the second administrator confirms what they saw: if the request was replaced meanwhile
    // (withdrawn, then other details asked), their click confirms nothing
    const seen = await changeIdSeen();
    await post(`${path}/rib-retirer`, {}).expect(303);
    await askBankDetails(THIRD_IBAN);
    const stale = await asSecond('rib-confirmer', { changeId: seen }).expect(400);
    expect(stale.text).toContain('ont changé depuis que vous les avez affichées');
    const unchanged = await request(t.http)
      .get(`/api/associations/${id}`)
      .set('Authorization', `Bearer ${adminToken}`)
      .expect(200);
    expect(unchanged.body.iban).toBe(IBAN);
    await post(`${path}/rib-retirer`, {}).expect(303);
    await askBankDetails(OTHER_IBAN);
    const current = await changeIdSeen();
    await asSecond('rib-confirmer', { changeId: current }).expect(303);
    const confirmed = await admin.get(path).expect(200);
    expect(confirmed.text).toContain(OTHER_IBAN);
    expect(confirmed.text).toContain('par Bérénice Second');
  });

  it('shows the reason beside the field on the booklet, print-run and site forms too', async () => {
    const programmeId = (
      await request(t.http)
        .get('/api/programmes')
        .set('Authorization', `Bearer ${adminToken}`)
        .expect(200)
    ).body[0].id as string;
    const issue = await post('/agent/carnets/nouveau', {
      programmeId,
      'beneficiary.postalCode': '3110',
      'beneficiary.reference': 'DOSSIER-42',
    }).expect(400);
    expect(issue.text).toMatch(/name="beneficiary\.postalCode"[^>]*aria-invalid="true"/);
    expect(issue.text).toContain('id="err-issue-beneficiary.postalCode"');
    expect(issue.text).toContain('value="DOSSIER-42"');
    const batch = await post('/agent/lots', { programmeId, count: '0' }).expect(400);
    expect(batch.text).toMatch(/name="count"[^>]*aria-invalid="true"/);
    expect(batch.text).toContain('id="err-batch-count"');
    const site = await post('/admin/lieux', {
      name: 'France Services de Muret',
      kind: 'FRANCE_SERVICES',
      address: '1 place de la Mairie',
      postalCode: '316',
      city: 'Muret',
    }).expect(400);
    expect(site.text).toMatch(/name="postalCode"[^>]*aria-invalid="true"/);
    expect(site.text).toContain('value="France Services de Muret"');
    for (const page of [issue, batch, site]) expect(page.text).not.toMatch(ENGLISH);
  });

  async function structureSiret(id: string): Promise<string> {
    return (
      await request(t.http)
        .get(`/api/associations/${id}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .expect(200)
    ).body.siret as string;
  }

  it('creates accounts with a chosen role and a name, and resets a password from the account page', async () => {
    const list = await admin.get('/admin/utilisateurs').expect(200);
    expect(list.text).toContain('<option value="">— choisir —</option>');
    const before = await count('app_user');
    const refused = await post('/admin/utilisateurs', {
      email: 'nadia@departement.example',
      displayName: 'Nadia Prescriptrice',
      password: 'a-long-enough-password',
    }).expect(400);
    expect(refused.text).toContain('est à choisir dans la liste');
    expect(refused.text).toContain('value="nadia@departement.example"');
    expect(refused.text).not.toContain('a-long-enough-password');
    expect(await count('app_user')).toBe(before);

    const created = await post('/admin/utilisateurs', {
      email: 'nadia@departement.example',
      displayName: 'Nadia Agent',
      role: 'AGENT',
      password: 'a-long-enough-password',
    }).expect(303);
    const path = created.headers.location.split('?')[0];
    const account = await admin.get(created.headers.location).expect(200);
    expect(account.text).toContain('<h1>Nadia Agent</h1>');
    expect((await admin.get('/admin/utilisateurs').expect(200)).text).toContain('Nadia Agent');
    const token = await t.login('nadia@departement.example', 'a-long-enough-password');

    const empty = await post(`${path}/mot-de-passe`, { confirmPassword: 'oui' }).expect(400);
    expect(empty.text).toContain('est obligatoire');
    const differ = await post(`${path}/mot-de-passe`, {
      password: 'another-long-password',
      passwordAgain: 'another-long-passwort',
      confirmPassword: 'oui',
    }).expect(400);
    expect(differ.text).toContain('Les deux mots de passe diffèrent.');
    await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    await post(`${path}/mot-de-passe`, {
      password: 'another-long-password',
      passwordAgain: 'another-long-password',
      confirmPassword: 'oui',
    }).expect(303);
    await request(t.http).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
    await t.login('nadia@departement.example', 'another-long-password');
    await post(`${path}/modifier`, { displayName: 'Nadia B.', jobTitle: 'Agente' }).expect(303);
    const journal = await admin.get('/admin/journal').expect(200);
    expect(journal.text).toContain('Mot de passe changé');
    expect(journal.text).toContain(`${ADMIN_EMAIL}, Administrateur`);
    expect(journal.text).not.toContain('user.password_reset</');
  });
});
