import request from 'supertest';
import { UsersService } from '../src/users/users.service';
import { createTestApp, TestApp } from './support/app';
import { csrfOf, secondStepForm, setupOf, signInForm } from './support/pages';
import { PHONE, totpAt } from './support/second-factor';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const RECOVERY_CODE = /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/;
const BASE32 = /^[A-Z2-7]{32}$/;
const PER_ACCOUNT = 8;

/**
 * The second factor (TOTP, RFC 6238), end to end through the API and the pages: mandatory for
 * administrators — set up within their first sign-in, never a session without it — optional for
 * everyone else; codes accepted once, five per sign-in and a limit per account; recovery codes
 * shown once and kept hashed; an administrator's reset of another's app.
 */
describe('Second factor (TOTP)', () => {
  let t: TestApp;
  let where: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { SECOND_FACTOR_FAILURES_PER_ACCOUNT: String(PER_ACCOUNT) },
    });
    where = t.databaseUrl;
  });
  afterAll(() => t.close());

  const password = (email: string) => `mot-de-passe-de-${email}`;
  /** A new administrator (as `npm run user:create-admin` makes), never signed in. */
  async function freshAdmin(name: string) {
    const email = `${name}-${Date.now()}@cd.test`;
    const user = await t.app
      .get(UsersService)
      .create(null, { email, password: password(email), role: 'ADMIN' });
    return { id: user.id, email, password: password(email) };
  }
  const login = (who: { email: string; password: string }) =>
    request(t.http)
      .post('/api/auth/login')
      .send({ email: who.email, password: who.password })
      .expect(200);
  const second = (challenge: string, code: string, setup?: string) =>
    request(t.http).post('/api/auth/login/second-factor').send({ challenge, code, setup });
  const audits = (action: string, userId: string) =>
    t.dataSource.query<{ actor_id: string | null; after: Record<string, unknown> }[]>(
      `SELECT actor_id, after FROM audit_event WHERE action = $1 AND entity_id = $2 ORDER BY id`,
      [action, userId],
    );
  /** The second-factor notices written to the outbox for `email`, oldest first. */
  const notices = async (email: string) =>
    (
      await t.dataSource.query<{ text_body: string }[]>(
        `SELECT text_body FROM outbox_message WHERE kind = 'SECOND_FACTOR_CHANGED' AND recipient = $1 ORDER BY created_at, id`,
        [email.toLowerCase()],
      )
    ).map((m) => m.text_body);
  /** Six digits that are not a code of the app now, nor one step before or after. */
  const wrongCode = (secret: string) => {
    const now = Math.floor(Date.now() / 30_000);
    const near = [now - 1, now, now + 1, now + 2].map((step) => totpAt(secret, step));
    return ['000000', '111111', '222222', '333333', '444444'].find((c) => !near.includes(c))!;
  };

  it('an administrator sets an app up within the first sign-in; no token before its first code', async () => {
    const admin = await freshAdmin('premier');
    const first = await login(admin);
    expect(first.body).toMatchObject({
      status: 'SECOND_FACTOR_SETUP_REQUIRED',
      challengeExpiresIn: 900,
    });
    expect(first.body.accessToken).toBeUndefined();
    expect(first.headers['set-cookie']).toBeUndefined();
    const challenge = first.body.challenge as string;
    expect(challenge).toMatch(/^[\w-]{43}$/);
    // the challenge is no session
    await request(t.http).get('/api/auth/me').set(auth(challenge)).expect(401);

    const setup = await request(t.http)
      .post('/api/auth/login/second-factor/setup')
      .send({ challenge })
      .expect(200);
    expect(setup.body.secret).toMatch(BASE32);
    const uri = new URL(setup.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(setup.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('Pass numérique');
    expect(decodeURIComponent(uri.pathname)).toContain(admin.email);
    // the set-up is nothing stored: the password alone, in another sign-in, neither sees this
    // secret nor can put its own in its place (each set-up is sealed for the one who asked it)
    expect(
      await t.dataSource.query(`SELECT 1 FROM totp_factor WHERE user_id = $1`, [admin.id]),
    ).toEqual([]);
    const intruder = await login(admin);
    const planted = await request(t.http)
      .post('/api/auth/login/second-factor/setup')
      .send({ challenge: intruder.body.challenge })
      .expect(200);
    expect(planted.body.secret).not.toBe(setup.body.secret);
    expect(planted.body.setup).not.toBe(setup.body.setup);

    const wrong = await second(challenge, wrongCode(setup.body.secret), setup.body.setup).expect(
      401,
    );
    expect(wrong.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(wrong.body).toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    // without its set-up, or with one altered or made for another account: refused, field named
    const other = await freshAdmin('autre');
    const foreign = await request(t.http)
      .post('/api/auth/login/second-factor/setup')
      .send({ challenge: (await login(other)).body.challenge })
      .expect(200);
    const someCode = totpAt(setup.body.secret, Math.floor(Date.now() / 30_000));
    // one character of the ciphertext changed (one in its middle: every bit of it counts)
    const [v, iv, text, tag] = (setup.body.setup as string).split('.');
    const altered = [v, iv, (text[0] === 'A' ? 'B' : 'A') + text.slice(1), tag].join('.');
    for (const sealed of [undefined, foreign.body.setup, altered]) {
      const refused = await second(challenge, someCode, sealed).expect(400);
      expect(refused.body.code).toBe('SECOND_FACTOR_SETUP_INVALID');
      expect(refused.body.errors).toEqual([{ field: 'setup', message: expect.any(String) }]);
    }

    PHONE.add(where, admin.email, setup.body.secret);
    const done = await second(
      challenge,
      await PHONE.code(where, admin.email),
      setup.body.setup,
    ).expect(200);
    expect(done.body).toMatchObject({ status: 'SIGNED_IN', tokenType: 'Bearer' });
    const codes = done.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(RECOVERY_CODE);
    expect(new Set(codes).size).toBe(10);
    const me = await request(t.http).get('/api/auth/me').set(auth(done.body.accessToken));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: admin.id, role: 'ADMIN' });
    // spent: the same challenge gives nothing more
    await second(challenge, await PHONE.code(where, admin.email))
      .expect(401)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_EXPIRED'));

    // at rest: the secret sealed, the recovery codes hashed
    const [factor] = await t.dataSource.query<{ sealed_secret: string; confirmed_at: Date }[]>(
      `SELECT sealed_secret, confirmed_at FROM totp_factor WHERE user_id = $1`,
      [admin.id],
    );
    expect(factor.confirmed_at).toBeTruthy();
    expect(factor.sealed_secret).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(factor.sealed_secret).not.toContain(setup.body.secret);
    const hashes = await t.dataSource.query<{ code_hash: string }[]>(
      `SELECT code_hash FROM recovery_code WHERE user_id = $1`,
      [admin.id],
    );
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) {
      expect(code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(codes.some((c) => code_hash.includes(c) || c.includes(code_hash))).toBe(false);
    }
    // the intruder's set-up, confirmed after the real one: refused (the account has its app)
    const late = await second(
      intruder.body.challenge,
      totpAt(planted.body.secret, Math.floor(Date.now() / 30_000)),
      planted.body.setup,
    ).expect(409);
    expect(late.body.code).toBe('SECOND_FACTOR_ALREADY_SET');
    // a sealed secret moved to another account opens nothing
    await t.dataSource.query(
      `INSERT INTO totp_factor (user_id, sealed_secret, confirmed_at, last_step) VALUES ($1, $2, now(), 0)`,
      [other.id, factor.sealed_secret],
    );
    const moved = await login(other);
    const unreadable = await second(moved.body.challenge, await PHONE.code(where, admin.email));
    expect(unreadable.status).toBe(409);
    expect(unreadable.body.code).toBe('SECOND_FACTOR_UNREADABLE');

    expect(await audits('user.second_factor_enrolled', admin.id)).toEqual([
      { actor_id: admin.id, after: { method: 'totp', recoveryCodes: 10 } },
    ]);
    expect(await audits('auth.second_factor_failed', admin.id)).toEqual([
      { actor_id: null, after: { via: 'password' } },
    ]);
  });

  it('then every sign-in asks a code: a code is accepted once, a recovery code once', async () => {
    const admin = await freshAdmin('ensuite');
    await t.login(admin.email, admin.password); // sets the app up
    const first = await login(admin);
    expect(first.body).toMatchObject({ status: 'SECOND_FACTOR_REQUIRED', challengeExpiresIn: 300 });
    // a set-up is not offered to an account that has an app
    await request(t.http)
      .post('/api/auth/login/second-factor/setup')
      .send({ challenge: first.body.challenge })
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_ALREADY_SET'));
    const secret = PHONE.secret(where, admin.email);
    const [{ last_step }] = await t.dataSource.query<{ last_step: string }[]>(
      `SELECT last_step FROM totp_factor WHERE user_id = $1`,
      [admin.id],
    );
    // the code of the step used by the last sign-in: seen already, refused
    await second(first.body.challenge, totpAt(secret, Number(last_step)))
      .expect(401)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_INVALID'));
    // the code of a step far from now: refused
    await second(first.body.challenge, totpAt(secret, Number(last_step) + 40)).expect(401);
    const ok = await second(first.body.challenge, await PHONE.code(where, admin.email));
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toBeUndefined();

    // a recovery code, typed as people do (lower case, spaces): once
    const [code] = PHONE.recoveryCodes(where, admin.email);
    const lost = await login(admin);
    const used = await second(lost.body.challenge, ` ${code.toLowerCase().replace(/-/g, ' ')} `);
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ status: 'SIGNED_IN', recoveryCodesLeft: 9 });
    const twice = await login(admin);
    await second(twice.body.challenge, code)
      .expect(401)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_INVALID'));
    expect(await audits('user.recovery_code_used', admin.id)).toEqual([
      { actor_id: admin.id, after: { recoveryCodesLeft: 9 } },
    ]);
    // each sign-in is audited with how it was proved
    expect((await audits('auth.login', admin.id)).map((a) => a.after)).toEqual([
      { via: 'password', secondFactor: 'totp_setup' },
      { via: 'password', secondFactor: 'totp' },
      { via: 'password', secondFactor: 'recovery_code' },
    ]);
  });

  it('five codes per sign-in; an expired sign-in, or one whose account changed since, is over', async () => {
    const admin = await freshAdmin('limite');
    await t.login(admin.email, admin.password);
    const secret = PHONE.secret(where, admin.email);
    const first = await login(admin);
    for (let i = 0; i < 5; i++) await second(first.body.challenge, wrongCode(secret)).expect(401);
    const spent = await second(first.body.challenge, await PHONE.code(where, admin.email));
    expect(spent.status).toBe(401);
    expect(spent.body.code).toBe('SECOND_FACTOR_EXPIRED');

    // refused codes are not spent: the current one can stand for any in what follows
    const current = () => totpAt(secret, Math.floor(Date.now() / 30_000));
    const late = await login(admin);
    await t.dataSource.query(
      `UPDATE login_challenge SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [admin.id],
    );
    await second(late.body.challenge, current())
      .expect(401)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_EXPIRED'));

    // the password changed (every session ended) between the two steps
    const halfway = await login(admin);
    await t.dataSource.query(
      `UPDATE app_user SET token_version = token_version + 1 WHERE id = $1`,
      [admin.id],
    );
    await second(halfway.body.challenge, current())
      .expect(401)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_EXPIRED'));

    // a made-up challenge, or none: the same answer; a code of another shape: 400
    await second('x'.repeat(43), '123456').expect(401);
    const invalid = await request(t.http)
      .post('/api/auth/login/second-factor')
      .send({ challenge: 'x'.repeat(43) })
      .expect(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(invalid.body)).toContain('code');
  });

  it('wrong codes are limited per account over every sign-in (429, Retry-After), then a good one too', async () => {
    const admin = await freshAdmin('bloque');
    await t.login(admin.email, admin.password);
    const secret = PHONE.secret(where, admin.email);
    let refused = 0;
    while (refused < PER_ACCOUNT) {
      const { body } = await login(admin);
      for (let i = 0; i < 4 && refused < PER_ACCOUNT; i++, refused++)
        await second(body.challenge, wrongCode(secret)).expect(401);
    }
    const next = await login(admin);
    const limited = await second(next.body.challenge, await PHONE.code(where, admin.email));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect((await audits('auth.second_factor_failed', admin.id)).length).toBe(PER_ACCOUNT);
  });

  it('optional for others: set up, required at sign-in, codes renewed, removed', async () => {
    const agent = await t.userToken('AGENT');
    const mine = auth(agent.token);
    const status = await request(t.http).get('/api/auth/second-factor').set(mine).expect(200);
    expect(status.body).toEqual({
      enrolled: false,
      required: false,
      recoveryCodesLeft: 0,
    });
    const setup = await request(t.http).post('/api/auth/second-factor/setup').set(mine).expect(200);
    expect(setup.body.secret).toMatch(BASE32);

    // not on yet: the password alone still signs in
    const password = `password-AGENT-${agent.email.split('-')[1]}-long`;
    expect((await login({ email: agent.email, password })).body.status).toBe('SIGNED_IN');
    await request(t.http)
      .post('/api/auth/second-factor/confirm')
      .set(mine)
      .send({ code: wrongCode(setup.body.secret), setup: setup.body.setup })
      .expect(401);
    PHONE.add(where, agent.email, setup.body.secret);
    const confirmed = await request(t.http)
      .post('/api/auth/second-factor/confirm')
      .set(mine)
      .send({ code: await PHONE.code(where, agent.email), setup: setup.body.setup })
      .expect(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    const first = await login({ email: agent.email, password });
    expect(first.body.status).toBe('SECOND_FACTOR_REQUIRED');
    expect(first.body.accessToken).toBeUndefined();

    const renewed = await request(t.http)
      .post('/api/auth/second-factor/recovery-codes')
      .set(mine)
      .send({ code: await PHONE.code(where, agent.email) })
      .expect(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    await second(first.body.challenge, confirmed.body.recoveryCodes[0]).expect(401);
    await second(first.body.challenge, renewed.body.recoveryCodes[0]).expect(200);

    await request(t.http)
      .post('/api/auth/second-factor/remove')
      .set(mine)
      .send({ code: wrongCode(setup.body.secret) })
      .expect(401);
    await request(t.http)
      .post('/api/auth/second-factor/remove')
      .set(mine)
      .send({ code: await PHONE.code(where, agent.email) })
      .expect(204);
    expect((await login({ email: agent.email, password })).body.status).toBe('SIGNED_IN');
    expect(
      await t.dataSource.query(`SELECT 1 FROM recovery_code WHERE user_id = $1`, [agent.id]),
    ).toEqual([]);
    for (const action of [
      'user.second_factor_enrolled',
      'user.recovery_codes_renewed',
      'user.second_factor_removed',
    ])
      expect(await audits(action, agent.id)).toHaveLength(1);
    // the owner is told by e-mail of each change, whoever made it (an app added by someone who
    // knew the password does not go unseen)
    expect(await notices(agent.email)).toEqual([
      expect.stringContaining('Une application d’authentification a été ajoutée à votre compte'),
      expect.stringContaining(
        'La double authentification de votre compte Pass numérique a été retirée',
      ),
    ]);

    // an administrator's cannot be removed
    const admin = await t.newAdmin();
    const refused = await request(t.http)
      .post('/api/auth/second-factor/remove')
      .set(auth(admin.token))
      .send({ code: await PHONE.code(where, admin.email) })
      .expect(409);
    expect(refused.body.code).toBe('SECOND_FACTOR_MANDATORY');
    expect(
      (await request(t.http).get('/api/auth/second-factor').set(auth(admin.token))).body,
    ).toMatchObject({ enrolled: true, required: true, recoveryCodesLeft: 10 });
  });

  it('an administrator resets another’s app: at once for others, confirmed by a second administrator for an administrator', async () => {
    const admin = await t.newAdmin();
    const lost = await t.newAdmin();
    const second = await t.newAdmin();
    const reset = (id: string, token = admin.token) =>
      request(t.http).post(`/api/users/${id}/second-factor/reset`).set(auth(token));

    // an administrator's: asked, nothing ends until a second administrator confirms
    const asked = await reset(lost.id).expect(200);
    expect(asked.body).toEqual({ status: 'AWAITS_SECOND_ADMIN' });
    await request(t.http).get('/api/auth/me').set(auth(lost.token)).expect(200);
    expect(
      (await request(t.http).get('/api/auth/second-factor').set(auth(lost.token))).body,
    ).toMatchObject({ enrolled: true });
    const pending = await request(t.http).get(`/api/users/${lost.id}`).set(auth(admin.token));
    expect(pending.body.pendingChange).toMatchObject({
      kind: 'ADMIN_SECOND_FACTOR_RESET',
      requestedBy: admin.id,
    });
    await reset(lost.id)
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('ACCOUNT_CHANGE_PENDING'));
    // not by the one who asked
    const self = await request(t.http)
      .post(`/api/users/${lost.id}/change/confirm`)
      .set(auth(admin.token))
      .send({});
    expect(self.status).toBeGreaterThanOrEqual(400);
    await request(t.http)
      .post(`/api/users/${lost.id}/change/confirm`)
      .set(auth(second.token))
      .send({})
      .expect(200);
    await request(t.http).get('/api/auth/me').set(auth(lost.token)).expect(401);
    expect((await login(lost)).body.status).toBe('SECOND_FACTOR_SETUP_REQUIRED');
    expect(
      await t.dataSource.query(`SELECT 1 FROM recovery_code WHERE user_id = $1`, [lost.id]),
    ).toEqual([]);
    expect((await notices(lost.email)).at(-1)).toContain(
      'Un administrateur a réinitialisé la double authentification de votre compte',
    );
    expect(await audits('user.second_factor_reset_requested', lost.id)).toHaveLength(1);
    expect(await audits('user.second_factor_reset', lost.id)).toEqual([
      { actor_id: second.id, after: { tokenVersion: expect.any(Number) } },
    ]);
    await reset(lost.id)
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('SECOND_FACTOR_NOT_SET'));

    // someone else's: at once, their sessions end
    const agent = await t.userToken('AGENT');
    const setup = await request(t.http)
      .post('/api/auth/second-factor/setup')
      .set(auth(agent.token))
      .expect(200);
    PHONE.add(where, agent.email, setup.body.secret);
    await request(t.http)
      .post('/api/auth/second-factor/confirm')
      .set(auth(agent.token))
      .send({ code: await PHONE.code(where, agent.email), setup: setup.body.setup })
      .expect(200);
    expect((await reset(agent.id).expect(200)).body).toEqual({ status: 'RESET' });
    await request(t.http).get('/api/auth/me').set(auth(agent.token)).expect(401);
    const password = `password-AGENT-${agent.email.split('-')[1]}-long`;
    expect((await login({ email: agent.email, password })).body.status).toBe('SIGNED_IN');

    // not one's own; not for others than administrators
    const own = await reset(admin.id).expect(409);
    expect(own.body.code).toBe('SECOND_FACTOR_OWN_RESET');
    const other = await t.userToken('AGENT');
    await reset(admin.id, other.token).expect(403);
  });

  it('pages: the set-up page with its QR code, the recovery codes once, then a code at each sign-in', async () => {
    const admin = await freshAdmin('pages');
    const browser = request.agent(t.http);
    const form = await browser.get('/connexion').set('Accept', 'text/html').expect(200);
    const sent = await browser
      .post('/connexion')
      .type('form')
      .send({ _csrf: csrfOf(form.text), email: admin.email, password: admin.password })
      .expect(303);
    expect(sent.headers.location).toBe('/connexion/second-facteur');
    const cookies = ([] as string[]).concat(sent.headers['set-cookie'] ?? []).join('\n');
    expect(cookies).toMatch(/pn_2fa=[\w-]{43}; Max-Age=900; Path=\/connexion\/second-facteur;/);
    expect(cookies).toMatch(/pn_2fa=[^\n]*HttpOnly/);
    expect(cookies).toMatch(/pn_2fa=[^\n]*SameSite=Lax/);
    expect(cookies).not.toContain('pn_session');
    // nothing signed in yet
    await browser.get('/agent').set('Accept', 'text/html').expect(303);

    const page = await browser
      .get('/connexion/second-facteur')
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('Configurer la double authentification');
    // (Handlebars writes the padding's "=" as &#x3D;, which the browser reads back)
    expect(page.text).toMatch(
      /<img class="qr" src="data:image\/svg\+xml;base64,[\w+/]+(&#x3D;)*" width="200"/,
    );
    const secret = /<code class="secret" id="secret">([A-Z2-7 ]+)<\/code>/.exec(page.text)![1];
    expect(secret.replace(/ /g, '')).toMatch(BASE32);

    const wrong = await browser
      .post('/connexion/second-facteur')
      .type('form')
      .send({
        _csrf: csrfOf(page.text),
        code: wrongCode(secret.replace(/ /g, '')),
        setup: setupOf(page.text),
      })
      .expect(401);
    expect(wrong.text).toContain('aria-invalid="true"');
    expect(wrong.text).toContain(secret);

    PHONE.add(where, admin.email, secret);
    const done = await browser
      .post('/connexion/second-facteur')
      .type('form')
      .send({
        _csrf: csrfOf(wrong.text),
        code: await PHONE.code(where, admin.email),
        setup: setupOf(wrong.text),
      })
      .expect(200);
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.text).toContain('Vos codes de secours');
    const codes = [...done.text.matchAll(/<li><code>([A-Z0-9-]{19})<\/code><\/li>/g)];
    expect(codes).toHaveLength(10);
    const set = ([] as string[]).concat(done.headers['set-cookie'] ?? []).join('\n');
    expect(set).toMatch(/pn_session=/);
    expect(set).toMatch(/pn_2fa=;/);
    const account = await browser.get('/compte/securite').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Activée.');
    expect(account.text).toContain('<strong>10</strong> sur 10');

    // the next sign-in, with a page asked for: a code, then that page
    const later = request.agent(t.http);
    const back = await signInForm(later, where, { ...admin, suite: '/admin/utilisateurs' });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/admin/utilisateurs');
    // a recovery code instead: to one's account page, told it is spent
    const third = request.agent(t.http);
    const f = await third.get('/connexion').set('Accept', 'text/html');
    await third
      .post('/connexion')
      .type('form')
      .send({ _csrf: csrfOf(f.text), email: admin.email, password: admin.password })
      .expect(303);
    const verify = await third
      .get('/connexion/second-facteur')
      .set('Accept', 'text/html')
      .expect(200);
    expect(verify.text).not.toContain('id="secret"');
    const recovered = await third
      .post('/connexion/second-facteur')
      .type('form')
      .send({ _csrf: csrfOf(verify.text), code: codes[0][1] })
      .expect(303);
    expect(recovered.headers.location).toBe('/compte/securite?fait=secours');
    const told = await third.get(recovered.headers.location).set('Accept', 'text/html');
    expect(told.text).toContain('code de secours');
    expect(told.text).toContain('<strong>9</strong> sur 10');

    // without the cookie, or after it ended: the sign-in page, with why
    const stranger = await request(t.http)
      .get('/connexion/second-facteur')
      .set('Accept', 'text/html')
      .expect(401);
    expect(stranger.text).toContain('<h1>Connexion</h1>');
  });

  it('pages: anyone can add an app from “Mon compte”, then it is asked at sign-in', async () => {
    const agent = await t.userToken('AGENT');
    const email = agent.email;
    const password = `password-AGENT-${email.split('-')[1]}-long`;
    const browser = request.agent(t.http);
    await signInForm(browser, where, { email, password }).then((r) => expect(r.status).toBe(303));
    const account = await browser.get('/compte/securite').set('Accept', 'text/html').expect(200);
    expect(account.text).toContain('Non activée.');
    const setup = await browser
      .post('/compte/securite/configurer')
      .type('form')
      .send({ _csrf: csrfOf(account.text) })
      .expect(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    expect(setup.text).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,/);
    const secret = /<code class="secret" id="secret">([A-Z2-7 ]+)<\/code>/.exec(setup.text)![1];
    PHONE.add(where, email, secret);
    const refused = await browser
      .post('/compte/securite/confirmer')
      .type('form')
      .send({
        _csrf: csrfOf(setup.text),
        code: wrongCode(secret.replace(/ /g, '')),
        setup: setupOf(setup.text),
      })
      .expect(400);
    // the same app again, the reason beside the field
    expect(refused.text).toContain(secret);
    expect(refused.text).toContain('aria-invalid="true"');
    const codes = await browser
      .post('/compte/securite/confirmer')
      .type('form')
      .send({
        _csrf: csrfOf(refused.text),
        code: await PHONE.code(where, email),
        setup: setupOf(refused.text),
      })
      .expect(200);
    expect(codes.headers['cache-control']).toBe('no-store');
    expect([...codes.text.matchAll(/<li><code>[A-Z0-9-]{19}<\/code><\/li>/g)]).toHaveLength(10);

    const later = request.agent(t.http);
    const form = await later.get('/connexion').set('Accept', 'text/html');
    const sent = await later
      .post('/connexion')
      .type('form')
      .send({ _csrf: csrfOf(form.text), email, password })
      .expect(303);
    expect(sent.headers.location).toBe('/connexion/second-facteur');
    const done = await secondStepForm(later, where, email, sent);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/agent');
  });
});
