import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, TestApp } from './support/app';
import { parisToday } from '../src/common/dates';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';
import { csrfOf, signInForm } from './support/pages';

/** The pages' doors: sign-in with the session cookie, CSRF on every change, roles on every page. */
describe('Web pages: session, CSRF and roles', () => {
  let t: TestApp;
  let staff: { email: string; password: string };
  let programmeId = '';
  beforeAll(async () => {
    t = await createTestApp({
      env: { LOGIN_RATE_LIMIT_PER_IP: '1000', LOGIN_RATE_LIMIT_PER_EMAIL: '1000' },
    });
    const association = await createAssociation(t);
    programmeId = (await createProgramme(t)).id;
    staff = { email: 'staff-web@test.local', password: 'une structure qui encaisse' };
    await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .send({ ...staff, role: 'ASSOCIATION', associationId: association.id })
      .expect(201);
  });
  afterAll(() => t.close());

  /** A browser: a cookie jar, signed in through the login form. */
  async function signIn(who: { email: string; password: string; suite?: string }) {
    const agent = request.agent(t.http);
    return { agent, res: await signInForm(agent, t.databaseUrl, who) };
  }

  it('sends the anonymous to the sign-in page, and back where they were going after it', async () => {
    const res = await request(t.http).get('/agent/carnets').set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/connexion?suite=%2Fagent%2Fcarnets');
    const { res: login } = await signIn({ ...(await t.newAdmin()), suite: '/agent/carnets' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/agent/carnets');
    expect(String(login.headers['set-cookie'])).toMatch(/pn_session=.*HttpOnly.*SameSite=Lax/i);
  });

  it('never redirects elsewhere after sign-in', async () => {
    const { res } = await signIn({ ...(await t.newAdmin()), suite: '//evil.example/x' });
    expect([res.status, res.headers.location]).toEqual([303, '/agent']);
  });

  it('says in French when the password is wrong', async () => {
    const { res } = await signIn({ email: ADMIN_EMAIL, password: 'not-the-password' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Adresse e-mail ou mot de passe incorrect.');
  });

  it('refuses a form or a cookie-authenticated API call without the CSRF token, and accepts it with', async () => {
    const noToken = await request(t.http)
      .post('/connexion')
      .type('form')
      .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('Le formulaire a expiré');

    const { agent } = await signIn(await t.newAdmin());
    const api = await agent.post('/api/programmes').send({});
    expect([api.status, api.body.code]).toEqual([403, 'CSRF_TOKEN_INVALID']);
    const page = await agent.get('/agent/lots').expect(200);
    const withToken = await agent
      .post('/api/programmes')
      .set('X-CSRF-Token', csrfOf(page.text))
      .send({});
    expect([withToken.status, withToken.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    // A token made for another session is refused.
    const other = await signIn(await t.newAdmin());
    const foreign = await other.agent
      .post('/api/programmes')
      .set('X-CSRF-Token', csrfOf(page.text))
      .send({});
    expect(foreign.status).toBe(403);
    // Bearer API clients carry no ambient cookie authority: no token needed.
    await request(t.http)
      .post('/api/programmes')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .send({})
      .expect(400);
  });

  it('shows each role its own pages only', async () => {
    const association = (await signIn(staff)).agent;
    await association.get('/structure/encaisser').expect(200);
    for (const path of [
      '/agent',
      '/agent/carnets',
      '/admin/structures',
      '/admin/etats',
      '/admin/journal',
    ]) {
      const res = await association.get(path).set('Accept', 'text/html');
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.text).toContain('Accès refusé.');
    }
    const admin = (await signIn(await t.newAdmin())).agent;
    await admin.get('/admin/structures').expect(200);
    await admin.get('/structure/encaisser').expect(403);
  });

  it('lets an administrator deactivate an account from the users page: its sessions end at once', async () => {
    const user = await t.userToken('AGENT');
    const { agent } = await signIn(await t.newAdmin());
    const page = await agent.get('/admin/utilisateurs').expect(200);
    const res = await agent
      .post(`/admin/utilisateurs/${user.id}/desactiver`)
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(303);
    expect(res.headers.location).toBe(`/admin/utilisateurs/${user.id}?fait=desactive`);
    const unknown = await agent
      .post(`/admin/utilisateurs/${user.id}/supprimer`)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(404);
    expect(unknown.text).toContain('Action inconnue.');
    // names of Object.prototype are not actions either (they were a 500)
    for (const path of [
      `/admin/etats/${user.id}/constructor`,
      `/admin/structures/${user.id}/__proto__`,
      `/admin/structures/${user.id}/toString`,
    ])
      await agent
        .post(path)
        .set('Accept', 'text/html')
        .type('form')
        .send({ _csrf: csrfOf(page.text) })
        .expect(404);
    await agent.get('/admin/utilisateurs?fait=constructor').expect(200);
    await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${user.token}`)
      .expect(401);
    const again = await agent.get(res.headers.location).expect(200);
    expect(again.text).toContain('Le compte est désactivé');
    expect(again.text).toContain('Réactiver le compte');
  });

  it('signs out: the session ends and the pages ask to sign in again', async () => {
    const { agent } = await signIn(await t.newAdmin());
    const page = await agent.get('/agent').expect(200);
    await agent
      .post('/deconnexion')
      .type('form')
      .send({ _csrf: csrfOf(page.text) })
      .expect(303);
    await agent.get('/agent').set('Accept', 'text/html').expect(303);
  });

  it('serves the QR decoder and its WebAssembly from the app itself', async () => {
    await request(t.http)
      .get('/assets/zxing/index.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    await request(t.http)
      .get('/assets/zxing/zxing_reader.wasm')
      .expect(200)
      .expect('Content-Type', /wasm/);
    await request(t.http).get('/assets/app.css').expect(200);
  });

  it('tells browsers and proxies to keep no copy of pages, JSON or errors; assets stay cacheable', async () => {
    const who = await t.newAdmin();
    const admin = (await signIn(who)).agent;
    const token = who.token;
    const answers: [string, request.Response][] = [
      ['page', await admin.get('/admin/structures').set('Accept', 'text/html').expect(200)],
      ['refused page', await admin.get('/structure/encaisser').set('Accept', 'text/html')],
      [
        'JSON',
        await request(t.http).get('/api/associations').set('Authorization', `Bearer ${token}`),
      ],
      ['problem', await request(t.http).get('/api/associations').expect(401)],
      ['sign-in page', await request(t.http).get('/connexion')],
    ];
    expect(answers.map(([what, r]) => [what, r.headers['cache-control']])).toEqual(
      answers.map(([what]) => [what, 'no-store']),
    );
    const css = await request(t.http).get('/assets/app.css').expect(200);
    expect(css.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('welcomes the public at /: what the pass is, a cheque check that forgives spaces and case, the structures', async () => {
    const home = await request(t.http).get('/').expect(200);
    expect(home.text).toContain('Chaque chèque vaut 10 €.');
    expect(home.text).toContain('action="/verifier"');
    expect(home.text).toContain('action="/structures"');
    expect(home.text).toContain('href="/accessibilite"');
    await request(t.http)
      .get('/verifier?code=%20abcd%20efgh-jkmn%20')
      .expect(303)
      .expect('Location', '/c/ABCDEFGH-JKMN');
    await request(t.http).get('/verifier?code=').expect(303).expect('Location', '/');
    // a mistyped code: the page says so and offers the box again, with what was typed
    const typo = await request(t.http).get('/c/ABCD-EFGH-JKMN').expect(200);
    expect(typo.text).toContain('Ce code ne correspond à aucun chèque Pass numérique.');
    expect(typo.text).toMatch(/<input id="check-code" name="code"[^>]* value="ABCD-EFGH-JKMN"/);
  });

  it('publishes the accessibility statement, linked from every page', async () => {
    const page = await request(t.http).get('/accessibilite').expect(200);
    for (const part of [
      'État de conformité',
      'non conforme',
      'Contenus non accessibles',
      'Voies de recours',
      'Défenseur des droits',
      'Cette déclaration a été établie le',
    ])
      expect(page.text).toContain(part);
    const admin = (await signIn(await t.newAdmin())).agent;
    for (const path of ['/connexion', '/structures', '/admin/structures'])
      expect((await admin.get(path)).text).toContain(
        '<a href="/accessibilite">Accessibilité : non conforme</a>',
      );
  });

  it('says in plain French that a page does not exist, without the method and path', async () => {
    const res = await request(t.http).get('/nulle-part').set('Accept', 'text/html').expect(404);
    expect(res.text).toMatch(/Cette page n(&#x27;|')existe pas ou n(&#x27;|')existe plus\./);
    expect(res.text).not.toContain('Aucune route');
    const api = await request(t.http).get('/api/nulle-part').expect(404);
    expect(api.body.detail).toBe('Aucune route ne correspond à GET /api/nulle-part.');
  });

  it('asks for an explicit confirmation before cancelling a booklet or a redemption and before issuing a statement: unconfirmed, nothing changes', async () => {
    const who = await t.newAdmin();
    const admin = (await signIn(who)).agent;
    const association = (await signIn(staff)).agent;
    const token = who.token;
    const target = { http: t.http, adminToken: () => Promise.resolve(token) };
    const post = async (
      agent: ReturnType<typeof request.agent>,
      page: string,
      action: string,
      form: Record<string, string>,
    ) => {
      const html = (await agent.get(page).set('Accept', 'text/html').expect(200)).text;
      return agent
        .post(action)
        .type('form')
        .set('Accept', 'text/html')
        .send({ _csrf: csrfOf(html), ...form });
    };

    // a booklet: the form no longer preselects a reason, and cancels only once confirmed
    const booklet = await issueBooklet(target, programmeId);
    const bookletPage = (await admin.get(`/agent/carnets/${booklet.id}`).expect(200)).text;
    expect(bookletPage).toContain('<option value="">— choisir —</option>');
    const refused = await post(
      admin,
      `/agent/carnets/${booklet.id}`,
      `/agent/carnets/${booklet.id}/annuler`,
      {
        reason: 'LOST',
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('cochez la case pour confirmer l’annulation');
    const still = await request(t.http)
      .get(`/api/booklets/${booklet.id}`)
      .set('Authorization', `Bearer ${token}`);
    expect(still.body.status).toBe('ACTIVE');
    const done = await post(
      admin,
      `/agent/carnets/${booklet.id}`,
      `/agent/carnets/${booklet.id}/annuler`,
      {
        reason: 'LOST',
        confirmCancel: 'oui',
      },
    );
    expect(done.status).toBe(303);
    const cancelled = await request(t.http)
      .get(`/api/booklets/${booklet.id}`)
      .set('Authorization', `Bearer ${token}`);
    expect(cancelled.body.status).toBe('CANCELLED');

    // a redemption by the association's staff
    const staffToken = (await request(t.http).post('/api/auth/login').send(staff).expect(200)).body
      .accessToken as string;
    const cheques = (await issueBooklet(target, programmeId)).cheques.map((c) => c.code);
    const redemption = (
      await request(t.http)
        .post('/api/redemptions')
        .set('Authorization', `Bearer ${staffToken}`)
        .set('Idempotency-Key', `web-confirm-${Date.now()}`)
        .send({ codes: [cheques[0]], activity: 'Smartphone', sessionDate: parisToday() })
        .expect(201)
    ).body as { id: string };
    const keep = await post(
      association,
      '/structure/encaissements',
      `/structure/encaissements/${redemption.id}/annuler`,
      { reason: 'Erreur de saisie' },
    );
    expect(keep.status).toBe(400);
    const listed = await request(t.http)
      .get('/api/redemptions')
      .set('Authorization', `Bearer ${staffToken}`);
    expect(listed.body.items.find((r: { id: string }) => r.id === redemption.id).status).toBe(
      'ACTIVE',
    );

    // a claim of it, submitted: issuing needs the confirmation too
    const claim = (
      await request(t.http)
        .post('/api/claims')
        .set('Authorization', `Bearer ${staffToken}`)
        .send({ upTo: parisToday() })
        .expect(201)
    ).body as { id: string };
    await request(t.http)
      .post(`/api/claims/${claim.id}/submit`)
      .set('Authorization', `Bearer ${staffToken}`)
      .expect(200);
    const notIssued = await post(admin, '/admin/etats', `/admin/etats/${claim.id}/emettre`, {});
    expect(notIssued.status).toBe(400);
    expect(notIssued.text).toContain('cochez la case pour confirmer l’émission');
    const statements = await request(t.http)
      .get('/api/statements')
      .set('Authorization', `Bearer ${token}`);
    expect(statements.body.items).toEqual([]);
    const issued = await post(admin, '/admin/etats', `/admin/etats/${claim.id}/emettre`, {
      confirmIssue: 'oui',
    });
    expect(issued.status).toBe(303);
  });
});
