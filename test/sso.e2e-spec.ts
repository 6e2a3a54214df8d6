import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, TestApp } from './support/app';
import { createAssociation } from './support/factories';
import { secondStepForm } from './support/pages';
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, TestOidcProvider } from './support/oidc';

const REDIRECT_URI = 'http://pass.test/connexion/sso/retour';
const PROBLEM_PAGE = /text\/html/;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Single sign-on, end to end against a real OpenID provider (`oidc-provider`) on loopback: the
 * authorization code flow with PKCE, state and nonce, the ID token checked by `openid-client`,
 * userinfo signed as ProConnect signs it; accounts linked by verified e-mail, access requests for
 * the others, offered to an accredited association when the SIRET is its own.
 */
describe('Single sign-on (OpenID Connect, ProConnect)', () => {
  let idp: TestOidcProvider;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    idp = await new TestOidcProvider().start(REDIRECT_URI);
    t = await createTestApp({
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID,
        OIDC_CLIENT_SECRET,
        OIDC_USERINFO_SIGNED_ALG: 'RS256',
        OIDC_ACR_VALUES: 'eidas1',
      },
    });
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });
  afterEach(() => idp.answers('normal'));

  /** A browser that begins a sign-in here and goes through the provider: the callback to call. */
  async function throughProvider(agent = request.agent(t.http), next?: string) {
    const begun = await agent
      .get('/connexion/sso' + (next ? `?suite=${encodeURIComponent(next)}` : ''))
      .expect(303);
    const authorization = new URL(begun.headers.location);
    const cookies = ([] as string[]).concat(begun.headers['set-cookie'] ?? []);
    const key = /pn_sso=([^;]+)/.exec(cookies.join(';'))?.[1] ?? '';
    expect(key).toMatch(/^[\w-]{43}$/);
    return { agent, authorization, key, callback: await idp.follow(authorization.href) };
  }

  const audits = (action: string) =>
    t.dataSource.query<{ entity_id: string; after: Record<string, unknown> }[]>(
      `SELECT entity_id, after FROM audit_event WHERE action = $1 ORDER BY id`,
      [action],
    );

  it('offers the button; a verified e-mail links the account once, then the identity alone signs in', async () => {
    const page = await request(t.http).get('/connexion').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('Se connecter avec ProConnect');
    const agent = await t.userToken('AGENT', { email: 'agent.sso@cd31.test' });

    await idp.signsIn({
      sub: 'pc-agent-1',
      email: 'Agent.SSO@cd31.test',
      email_verified: true,
      given_name: 'Anne',
      usual_name: 'Martin',
      siret: '22310001700013',
    });
    const {
      agent: browser,
      authorization,
      callback,
    } = await throughProvider(undefined, '/agent/carnets');
    // the request as ProConnect expects it
    const asked = authorization.searchParams;
    expect(asked.get('response_type')).toBe('code');
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(asked.get('state')).toBeTruthy();
    expect(asked.get('nonce')).toBeTruthy();
    expect(asked.get('acr_values')).toBe('eidas1');
    expect(asked.get('scope')).toBe('openid email given_name usual_name siret uid');
    expect(asked.get('redirect_uri')).toBe(REDIRECT_URI);

    const back = await browser.get(callback).expect(303);
    expect(back.headers.location).toBe('/agent/carnets');
    const me = await browser.get('/api/auth/me').expect(200);
    expect(me.body).toMatchObject({ id: agent.id, role: 'AGENT' });
    expect((await audits('user.identity_linked')).map((a) => a.entity_id)).toEqual([agent.id]);

    // the address changes at the provider: the identity still finds the account, no new link
    await idp.signsIn({
      sub: 'pc-agent-1',
      email: 'anne.martin@ailleurs.test',
      email_verified: true,
    });
    const again = await throughProvider();
    expect((await again.agent.get(again.callback).expect(303)).headers.location).toBe('/agent');
    expect(await audits('user.identity_linked')).toHaveLength(1);
    const [identity] = await t.dataSource.query<{ email_at_link: string }[]>(
      `SELECT email_at_link FROM external_identity WHERE subject = 'pc-agent-1'`,
    );
    expect(identity.email_at_link).toBe('agent.sso@cd31.test');
  });

  it('refuses an answer whose state is not the one sent, or that comes to another browser', async () => {
    await t.userToken('AGENT', { email: 'etat@cd31.test' });
    await idp.signsIn({ sub: 'pc-etat', email: 'etat@cd31.test', email_verified: true });
    const { agent, callback } = await throughProvider();
    const forged = callback.replace(/state=[^&]+/, 'state=un-autre-etat');
    const refused = await agent.get(forged).set('Accept', 'text/html').expect(401);
    expect(refused.headers['content-type']).toMatch(PROBLEM_PAGE);
    expect(refused.text).toContain('La connexion avec ProConnect n’a pas abouti');
    expect(([] as string[]).concat(refused.headers['set-cookie'] ?? []).join(';')).not.toContain(
      'pn_session=ey',
    );

    // the right answer, in a browser that did not begin this sign-in (login CSRF)
    const other = await throughProvider();
    await request(t.http).get(other.callback).expect(401);
    // and the attempt it was for is still unanswered: the right browser signs in
    await other.agent.get(other.callback).expect(303);
  });

  it('refuses a replayed answer, and a code used twice at the provider', async () => {
    await t.userToken('AGENT', { email: 'rejeu@cd31.test' });
    await idp.signsIn({ sub: 'pc-rejeu', email: 'rejeu@cd31.test', email_verified: true });
    const first = await throughProvider();
    await first.agent.get(first.callback).expect(303);
    // the same answer again, even with the browser's key (cleared since): the sign-in is spent
    await first.agent.get(first.callback).expect(401);
    await request(t.http).get(first.callback).set('Cookie', `pn_sso=${first.key}`).expect(401);
    // and nothing of it is kept
    const [kept] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sso_attempt WHERE key_hash = encode(sha256($1::bytea), 'hex')`,
      [first.key],
    );
    expect(kept.n).toBe(0);

    // the old code with a new sign-in's state: the provider refuses a code already redeemed
    const second = await throughProvider(first.agent);
    const code = new URL(first.callback, 'http://x').searchParams.get('code') as string;
    const replay = second.callback.replace(/code=[^&]+/, `code=${encodeURIComponent(code)}`);
    const refused = await first.agent.get(replay).expect(401);
    expect(refused.text).toContain('n’a pas abouti');
  });

  it.each([
    ['wrong-audience', 'an ID token for another service', /CLAIM_COMPARISON_FAILED.*\\"aud\\"/],
    ['expired', 'an expired ID token', /TIMESTAMP_CHECK_FAILED.*\\"exp\\"/],
    [
      'bad-signature',
      'an ID token signed with a key not in the JWKS',
      /signature verification failed/,
    ],
    [
      'weak-acr',
      'a level of assurance below the one asked for (acr_values dropped on the way)',
      /acr eidas0 is not one of eidas1/,
    ],
  ] as const)('refuses %s (%s)', async (mode, _what, why) => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const email = `${mode}@cd31.test`;
    await t.userToken('AGENT', { email });
    await idp.signsIn({ sub: `pc-${mode}`, email, email_verified: true });
    await idp.answers(mode);
    const { agent, callback } = await throughProvider();
    await agent.get(callback).expect(401);
    // refused for that reason, not another
    const reasons = warnings.mock.calls.map((c) => JSON.stringify(c[0]));
    warnings.mockRestore();
    expect(reasons.filter((r) => why.test(r))).toHaveLength(1);
    await agent.get('/api/auth/me').expect(401);
    const [linked] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM external_identity WHERE subject = $1`,
      [`pc-${mode}`],
    );
    expect(linked.n).toBe(0);
  });

  it('an unknown person gets no access: a request waits until an administrator gives a role', async () => {
    await idp.signsIn({
      sub: 'pc-inconnu',
      email: 'nouvel.agent@cd31.test',
      email_verified: true,
      given_name: 'Paul',
      usual_name: 'Durand',
      siret: '22310001700013',
    });
    const first = await throughProvider();
    const pending = await first.agent.get(first.callback).set('Accept', 'text/html').expect(200);
    expect(pending.text).toContain('Demande d’accès enregistrée');
    expect(pending.text).toContain('Un administrateur du département doit vous attribuer un rôle.');
    await first.agent.get('/api/auth/me').expect(401);
    // signing in again while waiting: the same request, one more attempt, no new audit event
    const second = await throughProvider();
    await second.agent.get(second.callback).expect(200);

    const list = await request(t.http).get('/api/access-requests').set(auth(admin)).expect(200);
    const mine = list.body.items.filter(
      (r: { email: string }) => r.email === 'nouvel.agent@cd31.test',
    );
    expect(mine).toEqual([
      expect.objectContaining({
        displayName: 'Paul Durand',
        emailVerified: true,
        associationId: null,
        status: 'PENDING',
        attempts: 2,
      }),
    ]);
    expect(
      (await audits('access_request.created')).filter((a) => a.entity_id === mine[0].id),
    ).toHaveLength(1);

    // bad input: a clear error, nothing written
    const bad = await request(t.http)
      .post(`/api/access-requests/${mine[0].id}/grant`)
      .set(auth(admin))
      .send({ role: 'PRESCRIBER' })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('siteIds');
    const granted = await request(t.http)
      .post(`/api/access-requests/${mine[0].id}/grant`)
      .set(auth(admin))
      .send({ role: 'AGENT' })
      .expect(200);
    expect(granted.body).toMatchObject({ status: 'GRANTED', userId: expect.any(String) });
    await request(t.http)
      .post(`/api/access-requests/${mine[0].id}/refuse`)
      .set(auth(admin))
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('ACCESS_REQUEST_DECIDED'));

    const now = await throughProvider();
    expect((await now.agent.get(now.callback).expect(303)).headers.location).toBe('/agent');
    const me = await now.agent.get('/api/auth/me').expect(200);
    expect(me.body).toMatchObject({
      email: 'nouvel.agent@cd31.test',
      role: 'AGENT',
      hasPassword: false,
    });
  });

  it('an e-mail not verified links nothing, and is never offered to an association', async () => {
    await t.userToken('AGENT', { email: 'non.verifiee@cd31.test' });
    const association = await createAssociation(t);
    await idp.signsIn({
      sub: 'pc-usurpateur',
      email: 'non.verifiee@cd31.test',
      email_verified: false,
      // an accredited association's SIRET: its people would recognise the address, not check it
      siret: association.siret as string,
    });
    const { agent, callback } = await throughProvider();
    const pending = await agent.get(callback).set('Accept', 'text/html').expect(200);
    expect(pending.text).toContain('Un administrateur du département doit vous attribuer un rôle.');
    await agent.get('/api/auth/me').expect(401);
    const [request_] = await t.dataSource.query<
      { email_verified: boolean; association_id: string | null }[]
    >(`SELECT email_verified, association_id FROM access_request WHERE subject = 'pc-usurpateur'`);
    expect(request_).toEqual({ email_verified: false, association_id: null });
  });

  it('limits the sign-ins begun per address; a deep link too long to keep is dropped', async () => {
    const limited = await createTestApp({
      env: {
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID,
        OIDC_CLIENT_SECRET,
        OIDC_USERINFO_SIGNED_ALG: 'RS256',
        SSO_BEGIN_LIMIT_PER_IP: '3',
      },
    });
    try {
      const far = await request(limited.http)
        .get(`/connexion/sso?suite=/${'a'.repeat(400)}`)
        .expect(303);
      expect(far.headers.location.startsWith(idp.issuer)).toBe(true);
      for (let i = 0; i < 2; i++) await request(limited.http).get('/connexion/sso').expect(303);
      const refused = await request(limited.http)
        .get('/connexion/sso')
        .set('Accept', 'text/html')
        .expect(429);
      expect(refused.text).toContain('Trop de');
      const [rows] = await limited.dataSource.query<{ n: number; kept: number }[]>(
        `SELECT count(*)::int AS n, count(next)::int AS kept FROM sso_attempt`,
      );
      expect(rows).toEqual({ n: 3, kept: 0 });
    } finally {
      await limited.close();
    }
  });

  it('a SIRET of an accredited association offers the person to its people, who confirm; others cannot', async () => {
    const association = await createAssociation(t, { siret: '44306184100047' });
    const other = await createAssociation(t, { siret: '44306184100054', name: 'Autre structure' });
    const colleague = await t.userToken('ASSOCIATION', { associationId: association.id });
    const stranger = await t.userToken('ASSOCIATION', { associationId: other.id });

    await idp.signsIn({
      sub: 'pc-benevole',
      email: 'benevole@connectes.example',
      email_verified: true,
      given_name: 'Léa',
      usual_name: 'Petit',
      siret: '44306184100047',
    });
    const first = await throughProvider();
    const pending = await first.agent.get(first.callback).set('Accept', 'text/html').expect(200);
    expect(pending.text).toContain('Votre structure est habilitée.');

    const offered = await request(t.http)
      .get('/api/access-requests')
      .set(auth(colleague.token))
      .expect(200);
    expect(offered.body.total).toBe(1);
    expect(offered.body.items).toEqual([
      expect.objectContaining({
        email: 'benevole@connectes.example',
        associationId: association.id,
      }),
    ]);
    // another association sees nothing of it, and cannot decide it
    expect(
      (
        await request(t.http)
          .get(`/api/access-requests?associationId=${association.id}`)
          .set(auth(stranger.token))
      ).body.items,
    ).toEqual([]);
    // administrators filter by association; a bad filter is a clear 400, field named
    const filtered = await request(t.http)
      .get(`/api/access-requests?associationId=${association.id}`)
      .set(auth(admin))
      .expect(200);
    expect(filtered.body.items.map((r: { id: string }) => r.id)).toEqual([
      offered.body.items[0].id,
    ]);
    const bad = await request(t.http)
      .get('/api/access-requests?status=ACCEPTED&associationId=x')
      .set(auth(admin))
      .expect(400)
      .expect('Content-Type', /application\/problem\+json/);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'associationId',
      'status',
    ]);
    await request(t.http)
      .post(`/api/access-requests/${offered.body.items[0].id}/confirm`)
      .set(auth(stranger.token))
      .expect(404);
    // not granted by itself: the person still has no access
    await first.agent.get('/api/auth/me').expect(401);

    // confirmed on the association's page
    const page = request.agent(t.http);
    const signIn = await page.get('/connexion').set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signIn.text)?.[1] ?? '';
    await page
      .post('/connexion')
      .type('form')
      .send({
        _csrf: csrf,
        email: colleague.email,
        password: `password-ASSOCIATION-${colleague.email.split('-')[1]}-long`,
      });
    const list = await page.get('/structure/collegues').set('Accept', 'text/html');
    expect(list.text).toContain('Léa Petit');
    const listCsrf = /name="_csrf" value="([^"]+)"/.exec(list.text)?.[1] ?? '';
    const done = await page
      .post(`/structure/collegues/${offered.body.items[0].id}/confirmer`)
      .type('form')
      .send({ _csrf: listCsrf });
    expect([done.status, done.headers.location]).toEqual([
      303,
      '/structure/collegues?fait=accorde',
    ]);

    const now = await throughProvider();
    expect((await now.agent.get(now.callback).expect(303)).headers.location).toBe(
      '/structure/encaisser',
    );
    const me = await now.agent.get('/api/auth/me').expect(200);
    expect(me.body).toMatchObject({ role: 'ASSOCIATION', associationId: association.id });
    const granted = (await audits('access_request.granted')).find(
      (a) => a.entity_id === offered.body.items[0].id,
    );
    expect(granted?.after).toMatchObject({ status: 'GRANTED', associationId: association.id });
  });

  it('a SIRET of an association not accredited is for administrators only', async () => {
    await createAssociation(t, { siret: '44306184100062', name: 'Non habilitée' }, false);
    await idp.signsIn({
      sub: 'pc-non-habilitee',
      email: 'x@non-habilitee.example',
      email_verified: true,
      siret: '44306184100062',
    });
    const { agent, callback } = await throughProvider();
    const pending = await agent.get(callback).set('Accept', 'text/html').expect(200);
    expect(pending.text).toContain('Un administrateur du département doit vous attribuer un rôle.');
    const [row] = await t.dataSource.query<{ association_id: string | null; siret: string }[]>(
      `SELECT association_id, siret FROM access_request WHERE subject = 'pc-non-habilitee'`,
    );
    expect(row).toEqual({ association_id: null, siret: '44306184100062' });
  });

  it('an association suspended since the request was offered cannot confirm it any more', async () => {
    const association = await createAssociation(t);
    const colleague = await t.userToken('ASSOCIATION', { associationId: association.id });
    await idp.signsIn({
      sub: 'pc-suspendue',
      email: 'tardif@connectes.example',
      email_verified: true,
      siret: association.siret as string,
    });
    const { agent, callback } = await throughProvider();
    await agent.get(callback).set('Accept', 'text/html').expect(200);
    const [offered] = (
      await request(t.http).get('/api/access-requests').set(auth(colleague.token)).expect(200)
    ).body.items as { id: string }[];
    await request(t.http)
      .post(`/api/associations/${association.id}/suspend`)
      .set(auth(admin))
      .send({ reason: 'Contrôle sur place' })
      .expect(200);
    const refused = await request(t.http)
      .post(`/api/access-requests/${offered.id}/confirm`)
      .set(auth(colleague.token))
      .expect(409);
    expect(refused.body.code).toBe('ACCESS_REQUEST_NOT_ACCREDITED');
    const [row] = await t.dataSource.query<{ status: string }[]>(
      `SELECT status FROM access_request WHERE id = $1`,
      [offered.id],
    );
    expect(row.status).toBe('PENDING');
    expect(
      await t.dataSource.query(`SELECT 1 FROM app_user WHERE email = 'tardif@connectes.example'`),
    ).toEqual([]);
  });

  it('an administrator: spared the second step when the provider asserts it checked one (amr, acr) once linked, else asked it', async () => {
    const admin = await t.newAdmin();
    const signIn = async (id: string, claims: { amr?: string[]; acr?: string }) => {
      await idp.signsIn({ sub: id, email: admin.email, email_verified: true, ...claims });
      const { agent, callback } = await throughProvider(undefined, '/admin/utilisateurs');
      return { agent, back: await agent.get(callback).expect(303) };
    };
    // the sign-in that links the identity (by e-mail): this service's second step, even after
    // the provider's "mfa" — whoever first links an account proves its own second factor
    const linking = await signIn('pc-admin', { amr: ['pwd', 'otp', 'mfa'] });
    expect(linking.back.headers.location).toBe('/connexion/second-facteur');
    await linking.agent.get('/api/auth/me').expect(401);
    // left there (someone at the provider who is not the account's owner): the next sign-in
    // through the same identity is asked it too, however often it comes back
    const again = await signIn('pc-admin', { amr: ['pwd', 'otp', 'mfa'] });
    expect(again.back.headers.location).toBe('/connexion/second-facteur');
    const linked = await secondStepForm(again.agent, t.databaseUrl, admin.email, again.back);
    expect(linked.headers.location).toBe('/admin/utilisateurs');
    // once passed through this identity: ProConnect's "mfa" among the methods used spares it
    const mfa = await signIn('pc-admin', { amr: ['pwd', 'otp', 'mfa'] });
    expect(mfa.back.headers.location).toBe('/admin/utilisateurs');
    await mfa.agent.get('/api/auth/me').expect(200);
    // a password alone at the provider: this service's own second step, then the page asked
    const pwd = await signIn('pc-admin', { amr: ['pwd'] });
    expect(pwd.back.headers.location).toBe('/connexion/second-facteur');
    await pwd.agent.get('/api/auth/me').expect(401);
    const done = await secondStepForm(pwd.agent, t.databaseUrl, admin.email, pwd.back);
    expect(done.headers.location).toBe('/admin/utilisateurs');
    await pwd.agent.get('/api/auth/me').expect(200);

    // the same database behind another configuration: the first sign-in through `env`'s
    const through = async (
      env: Record<string, string>,
      claims: { amr?: string[]; acr?: string },
    ) => {
      const other = await createTestApp({
        databaseUrl: t.databaseUrl,
        env: {
          OIDC_ISSUER: idp.issuer,
          OIDC_CLIENT_ID,
          OIDC_CLIENT_SECRET,
          OIDC_USERINFO_SIGNED_ALG: 'RS256',
          ...env,
        },
      });
      try {
        await idp.signsIn({ sub: 'pc-admin', email: admin.email, email_verified: true, ...claims });
        const browser = request.agent(other.http);
        const begun = await browser.get('/connexion/sso').expect(303);
        const back = await browser.get(await idp.follow(begun.headers.location)).expect(303);
        const done = await secondStepForm(browser, t.databaseUrl, admin.email, back);
        return { asked: back.headers.location === '/connexion/second-facteur', done };
      } finally {
        await other.close();
      }
    };
    // a level of assurance that implies it (eIDAS substantial, OIDC_MFA_ACR): spared
    const level = await through({ OIDC_ACR_VALUES: 'eidas1 eidas2' }, { acr: 'eidas2' });
    expect(level).toMatchObject({ asked: false, done: { headers: { location: '/agent' } } });
    // the provider not trusted for it (OIDC_MFA_TRUST=off): asked even after its "mfa"
    const strict = await through(
      { OIDC_ACR_VALUES: 'eidas1', OIDC_MFA_TRUST: 'off' },
      { amr: ['pwd', 'otp', 'mfa'] },
    );
    expect(strict).toMatchObject({ asked: true, done: { headers: { location: '/agent' } } });
    // each sign-in audited with how it was proved: the provider's MFA is named where it spared it
    const logins = (await audits('auth.login')).filter((a) => a.entity_id === admin.id);
    expect(logins.map((a) => a.after)).toEqual([
      { via: 'password', secondFactor: 'totp_setup' }, // t.newAdmin() signs in once
      { via: 'sso', secondFactor: 'totp' },
      { via: 'sso', secondFactor: 'provider' },
      { via: 'sso', secondFactor: 'totp' },
      { via: 'sso', secondFactor: 'provider' },
      { via: 'sso', secondFactor: 'totp' },
    ]);
  });

  it('a deactivated account is refused, and the refusal audited', async () => {
    const user = await t.userToken('AGENT', { email: 'desactive@cd31.test' });
    await request(t.http)
      .patch(`/api/users/${user.id}`)
      .set(auth(admin))
      .send({ active: false })
      .expect(200);
    await idp.signsIn({ sub: 'pc-desactive', email: 'desactive@cd31.test', email_verified: true });
    const { agent, callback } = await throughProvider();
    const refused = await agent.get(callback).set('Accept', 'text/html').expect(403);
    expect(refused.text).toContain('Ce compte est désactivé');
    const failures = await audits('auth.login_failed');
    expect(failures.filter((f) => f.entity_id === user.id).map((f) => f.after.reason)).toEqual([
      'inactive',
    ]);
  });
});

describe('Single sign-on not configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('shows no button and answers 404 at its addresses', async () => {
    const page = await request(t.http).get('/connexion').set('Accept', 'text/html').expect(200);
    expect(page.text).not.toContain('Se connecter avec');
    const begun = await request(t.http)
      .get('/connexion/sso')
      .set('Accept', 'text/html')
      .expect(404);
    expect(begun.text).toContain('n’est pas proposée ici');
    await request(t.http).get('/connexion/sso/retour?code=x&state=y').expect(404);
  });
});
