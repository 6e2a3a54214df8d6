import request from 'supertest';
import { createTestApp, TestApp } from './support/app';

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Sign-in limits and password rules: one set of counters for the API and the pages, per IP, per
 * account from one IP, per account from everywhere; an attacker's guesses from one address do
 * not lock the real user out; the audit log does not grow with a flood.
 */
describe('Login limits that hold, passwords that resist', () => {
  let t: TestApp;
  let admin: string;
  let user: { email: string; password: string };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TRUST_PROXY: 'loopback',
        LOGIN_RATE_LIMIT_PER_EMAIL: '3',
        LOGIN_RATE_LIMIT_PER_IP: '6',
        LOGIN_RATE_LIMIT_PER_ACCOUNT: '5',
      },
    });
    admin = await t.adminToken();
    user = { email: 'cible@cd31.test', password: 'une loutre traverse la garonne' };
    await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ ...user, role: 'AGENT' })
      .expect(201);
  });
  afterAll(() => t.close());

  const api = (ip: string, email: string, password: string) =>
    request(t.http).post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  const page = async (ip: string, email: string, password: string) => {
    const agent = request.agent(t.http);
    const form = await agent.get('/connexion').set('X-Forwarded-For', ip).expect(200);
    return agent
      .post('/connexion')
      .set('X-Forwarded-For', ip)
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfOf(form.text), email, password });
  };
  const audited = async (action: string) =>
    Number(
      (
        await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = $1`, [
          action,
        ])
      )[0].n,
    );

  it('the API and the page share one count per account and IP; the real user elsewhere still signs in', async () => {
    const ip = '203.0.113.10';
    expect((await api(ip, user.email, 'mauvais 1')).status).toBe(401);
    expect((await page(ip, user.email, 'mauvais 2')).status).toBe(401);
    expect((await api(ip, user.email, 'mauvais 3')).status).toBe(401);
    // three failures in all: blocked on both ways in, the right password included
    const onPage = await page(ip, user.email, user.password);
    expect(onPage.status).toBe(429);
    expect(onPage.text).toContain('Trop de tentatives');
    expect(Number(onPage.headers['retry-after'])).toBeGreaterThan(0);
    const onApi = await api(ip, user.email, user.password);
    expect([onApi.status, onApi.body.code]).toEqual([429, 'RATE_LIMITED']);
    // from the user's own address, the account is open
    expect((await api('198.51.100.20', user.email, user.password)).status).toBe(200);
    expect(await audited('auth.login_blocked')).toBe(1);
  });

  it('guesses spread over many addresses reach the slower per-account limit, which ends with its window', async () => {
    const other = { email: 'repartie@cd31.test', password: 'le héron pêche au bord du canal' };
    await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ ...other, role: 'AGENT' })
      .expect(201);
    // the holder signs in from the office once: that network is then known to the account
    expect((await api('198.51.100.50', other.email, other.password)).status).toBe(200);
    for (let i = 1; i <= 5; i++)
      expect((await api(`192.0.2.${i}`, other.email, `essai ${i}`)).status).toBe(401);
    const blocked = await api('192.0.2.99', other.email, other.password);
    expect([blocked.status, blocked.body.code]).toEqual([429, 'RATE_LIMITED']);
    // at most until the end of the window (LOGIN_ACCOUNT_WINDOW_SECONDS, an hour by default)
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(3600);
    const [event] = await t.dataSource.query(
      `SELECT after FROM audit_event WHERE action = 'auth.login_blocked' AND after->>'scope' = 'account'`,
    );
    expect(event.after).toMatchObject({ scope: 'account', email: other.email, failures: 5 });
    // …but not from the holder's own network: guesses from elsewhere do not lock them out
    expect((await api('198.51.100.50', other.email, other.password)).status).toBe(200);
  });

  it('counts each attempt before checking it: a burst of parallel guesses does not outrun the limit', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api('203.0.113.200', user.email, `rafale ${i}`)),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(17);
  });

  it('counts an IPv6 client by its /64 network', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i++)
      statuses.push((await api(`2001:db8:1:2::${i}`, 'v6@cd31.test', `v6 ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('a flood from one address is cut at the IP limit and adds a bounded number of audit events', async () => {
    const before = await audited('auth.login_failed');
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await api('203.0.113.77', `inconnu-${i}@nulle-part.test`, 'x')).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(24);
    expect((await audited('auth.login_failed')) - before).toBe(6);
    const [ipEvent] = await t.dataSource.query(
      `SELECT after FROM audit_event WHERE action = 'auth.login_blocked' AND after->>'scope' = 'ip' AND after->>'ip' = '203.0.113.77'`,
    );
    expect(ipEvent.after).toMatchObject({ scope: 'ip', ip: '203.0.113.77', email: null });
  });

  it('refuses passwords too easy to guess, in French, on every way of setting one', async () => {
    const weak = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ email: 'faible@cd31.test', password: 'aaaaaaaaaaaa', role: 'AGENT' })
      .expect(400);
    expect(weak.body.errors).toEqual([
      expect.objectContaining({
        field: 'password',
        fr: expect.stringContaining('trop facile à deviner'),
      }),
    ]);
    for (const password of ['azertyuiop12', 'motdepasse123', 'faible@cd31.test'])
      await request(t.http)
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ email: 'faible@cd31.test', password, role: 'AGENT' })
        .expect(400);
    // the account's own e-mail counts as a known word
    const own = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ email: 'jeanne.dupont@cd31.test', password: 'jeannedupont2026', role: 'AGENT' })
      .expect(400);
    expect(own.body.errors[0]).toMatchObject({
      field: 'password',
      fr: expect.stringContaining('ressemble trop à votre adresse e-mail'),
    });
    const { body: agent } = await request(t.http)
      .get('/api/users?email=cible@cd31.test')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    await request(t.http)
      .patch(`/api/users/${agent.items[0].id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ password: '123456789012' })
      .expect(400);
    expect(
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM app_user WHERE email LIKE 'faible%' OR email LIKE 'jeanne%'`,
        )
      )[0].n,
    ).toBe(0);
  });
});
