import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { Public } from '../src/common/access/decorators';
import { ADMIN_EMAIL, createTestApp, TestApp } from './support/app';
import { superuserQuery } from './support/database';

@Controller('test-only')
class BoomController {
  @Get('boom')
  @Public()
  boom(): never {
    throw new Error('secret internal detail: /etc/passwd');
  }
}

const PROBLEM = /application\/problem\+json/;

describe('Foundation: errors, authentication, roles, audit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [BoomController],
      env: { LOGIN_RATE_LIMIT_PER_EMAIL: '3', LOGIN_RATE_LIMIT_PER_IP: '50' },
    });
  });
  afterAll(() => t.close());

  it('answers /health with the database up', async () => {
    const res = await request(t.http).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await request(t.http)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.fr", ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
      type: expect.stringContaining('malformed-json'),
    });
    expect(res.body.requestId).toEqual(res.headers['x-request-id']);
  });

  it('refuses an unknown field, naming it', async () => {
    const res = await request(t.http)
      .post('/api/auth/login')
      .send({ email: 'a@b.fr', password: 'x', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([
      { field: 'admin', message: 'property admin should not exist' },
    ]);
  });

  it('refuses a wrong type, naming the field', async () => {
    const token = await t.adminToken();
    const res = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${token}`)
      .send({ email: 'new@test.local', password: 'long-enough-password', role: 42 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['role']);
  });

  it('refuses a missing token with 401 UNAUTHENTICATED, and a forged one too', async () => {
    const res = await request(t.http).get('/api/users').expect(401);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    const forged = await request(t.http)
      .get('/api/users')
      .set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.')
      .expect(401);
    expect(forged.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong role with 403 FORBIDDEN', async () => {
    const agent = await t.userToken('AGENT');
    const res = await request(t.http)
      .get('/api/users')
      .set('Authorization', `Bearer ${agent.token}`)
      .expect(403);
    expect(res.body.code).toBe('FORBIDDEN');
    const audit = await request(t.http)
      .get('/api/audit')
      .set('Authorization', `Bearer ${agent.token}`)
      .expect(403);
    expect(audit.body.code).toBe('FORBIDDEN');
  });

  it('refuses a wrong password with 401 INVALID_CREDENTIALS and audits the failure', async () => {
    const res = await request(t.http)
      .post('/api/auth/login')
      .send({ email: ADMIN_EMAIL, password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    const unknown = await request(t.http)
      .post('/api/auth/login')
      .send({ email: 'nobody@test.local', password: 'whatever' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(res.body.detail);

    const audit = await request(t.http)
      .get('/api/audit?action=auth.login_failed')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .expect(200);
    const reasons = audit.body.items.map((e: { after: { reason: string } }) => e.after.reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong_password', 'unknown_email']));
    expect(JSON.stringify(audit.body)).not.toContain('not the password');
  });

  it('rate-limits logins per e-mail with 429 RATE_LIMITED and Retry-After', async () => {
    const email = 'target@test.local';
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await request(t.http)
        .post('/api/auth/login')
        .send({ email, password: `guess-${i}` });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(last!.body.code).toBe('RATE_LIMITED');
    expect(last!.headers['content-type']).toMatch(PROBLEM);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    // Another address from the same IP is not blocked by this one's limit.
    const other = await request(t.http)
      .post('/api/auth/login')
      .send({ email: 'other@test.local', password: 'x' });
    expect(other.status).toBe(401);
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await request(t.http).get('/api/does-not-exist').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('answers a unique-constraint violation with 409', async () => {
    const token = await t.adminToken();
    const body = { email: 'Dup@Test.local', password: 'long-enough-password', role: 'AGENT' };
    await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${token}`)
      .send(body)
      .expect(201);
    const res = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${token}`)
      .send({ ...body, email: 'dup@test.LOCAL' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('EMAIL_TAKEN');
  });

  it('answers an unexpected error with 500, a request id and no internals', async () => {
    const res = await request(t.http).get('/test-only/boom').expect(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect(res.body.requestId).toBeTruthy();
    expect(JSON.stringify(res.body)).not.toContain('passwd');
  });

  it('refuses a non-UUID id naming the parameter, and an unknown one with 404', async () => {
    const token = await t.adminToken();
    const bad = await request(t.http)
      .get('/api/users/../../etc')
      .set('Authorization', `Bearer ${token}`);
    expect([400, 404]).toContain(bad.status);
    const res = await request(t.http)
      .get('/api/users/not-a-uuid')
      .set('Authorization', `Bearer ${token}`)
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    const missing = await request(t.http)
      .get('/api/users/00000000-0000-4000-8000-000000000000')
      .set('Authorization', `Bearer ${token}`)
      .expect(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('logs in with a cookie too, and logout revokes the token', async () => {
    const user = await t.userToken('AGENT');
    const login = await request(t.http)
      .post('/api/auth/login')
      .send({
        email: user.email,
        password: 'password-AGENT-' + user.email.split('-')[1] + '-long',
      });
    expect(login.status).toBe(200);
    const cookie = login.headers['set-cookie'] as unknown as string[];
    expect(cookie[0]).toMatch(/pn_session=.*HttpOnly.*SameSite=Lax/i);
    await request(t.http).get('/api/auth/me').set('Cookie', cookie[0].split(';')[0]).expect(200);

    await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${user.token}`)
      .expect(200);
    await request(t.http)
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${user.token}`)
      .expect(204);
    const after = await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${user.token}`)
      .expect(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
  });

  it('deactivation revokes access at once; an admin cannot deactivate themself', async () => {
    const admin = await t.adminToken();
    const agent = await t.userToken('AGENT');
    await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${agent.token}`)
      .expect(200);
    const res = await request(t.http)
      .patch(`/api/users/${agent.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ active: false })
      .expect(200);
    expect(res.body.active).toBe(false);
    await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${agent.token}`)
      .expect(401);

    const me = await request(t.http)
      .get('/api/auth/me')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    const self = await request(t.http)
      .patch(`/api/users/${me.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ active: false });
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('CANNOT_DEACTIVATE_SELF');
  });

  it('requires an association for ASSOCIATION users', async () => {
    const res = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .send({ email: 'asso@test.local', password: 'long-enough-password', role: 'ASSOCIATION' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('associationId');
  });

  it('never returns password hashes', async () => {
    const res = await request(t.http)
      .get('/api/users')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .expect(200);
    expect(res.body.total).toBeGreaterThan(1);
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
  });

  describe('audit log', () => {
    it('records user changes with who, before and after, in a verified hash chain', async () => {
      const admin = await t.adminToken();
      const agent = await t.userToken('AGENT');
      await request(t.http)
        .patch(`/api/users/${agent.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ displayName: 'Agent Démo' })
        .expect(200);
      const res = await request(t.http)
        .get(`/api/audit?entityType=user&entityId=${agent.id}`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      const updated = res.body.items.find((e: { action: string }) => e.action === 'user.updated');
      expect(updated.before.displayName).toBeNull();
      expect(updated.after.displayName).toBe('Agent Démo');
      expect(updated.actorRole).toBe('ADMIN');
      expect(updated.requestId).toBeTruthy();
      const verify = await request(t.http)
        .get('/api/audit/verify')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(verify.body).toMatchObject({ ok: true });
      expect(verify.body.checked).toBeGreaterThan(5);
    });

    it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
      await expect(
        superuserQuery(
          t.databaseUrl,
          `UPDATE audit_event SET action = 'x' WHERE id = (SELECT min(id) FROM audit_event)`,
        ),
      ).rejects.toThrow(/forbidden/);
      await expect(superuserQuery(t.databaseUrl, 'DELETE FROM audit_event')).rejects.toThrow(
        /forbidden/,
      );
      await expect(superuserQuery(t.databaseUrl, 'TRUNCATE audit_event')).rejects.toThrow(
        /forbidden/,
      );
    });

    it('detects a tampered row, naming it', async () => {
      const admin = await t.adminToken();
      const [{ id }] = await superuserQuery<{ id: string }>(
        t.databaseUrl,
        `SELECT id::text FROM audit_event WHERE action = 'user.created' ORDER BY id LIMIT 1 OFFSET 1`,
      );
      // A privileged attacker disables the guard trigger and edits history.
      await superuserQuery(
        t.databaseUrl,
        `BEGIN; ALTER TABLE audit_event DISABLE TRIGGER trg_audit_event_immutable;
         UPDATE audit_event SET after = jsonb_set(after, '{role}', '"ADMIN"') WHERE id = ${Number(id)};
         ALTER TABLE audit_event ENABLE TRIGGER trg_audit_event_immutable; COMMIT;`,
      );
      const verify = await request(t.http)
        .get('/api/audit/verify')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(verify.body).toMatchObject({
        ok: false,
        firstBadId: id,
        reason: 'hash does not match the row content',
      });
    });
  });

  describe('OpenAPI document', () => {
    it('lists every error code once, with its status, its French sentence and when it happens', async () => {
      const doc = (await request(t.http).get('/api/docs-json').expect(200)).body as {
        'x-error-catalogue': {
          code: string;
          status: number;
          feature: string;
          detail: string;
          when: string;
        }[];
        components: {
          schemas: { ProblemDetailsDto: { properties: { code: { enum: string[] } } } };
        };
      };
      const catalogue = doc['x-error-catalogue'];
      const codes = catalogue.map((e) => e.code);
      expect(new Set(codes).size).toBe(codes.length);
      expect(doc.components.schemas.ProblemDetailsDto.properties.code.enum).toEqual(codes);
      for (const e of catalogue) {
        expect(e.status).toBeGreaterThanOrEqual(400);
        expect(e.detail.length).toBeGreaterThan(10);
        expect(e.when.length).toBeGreaterThan(10);
      }
      // one catalogue per feature, the shared errors included
      expect(new Set(catalogue.map((e) => e.feature))).toEqual(
        new Set([
          'common',
          'auth',
          'users',
          'associations',
          'sites',
          'programmes',
          'beneficiaries',
          'booklets',
          'cheques',
          'redemptions',
          'statements',
          'payment-batches',
          'closing',
          'mail',
          'web',
        ]),
      );
      for (const code of [
        'VALIDATION_FAILED',
        'INVALID_TRANSITION',
        'CHEQUE_ALREADY_REDEEMED',
        'FOUR_EYES_REQUIRED',
        'PAYMENT_FILE_CHANGED',
        'CSRF_TOKEN_INVALID',
      ])
        expect(codes).toContain(code);
    });

    it('is served, and every operation declares who may call it and its error responses', async () => {
      const res = await request(t.http).get('/api/docs-json').expect(200);
      const doc = res.body as {
        paths: Record<
          string,
          Record<string, { 'x-roles'?: string[]; responses: Record<string, unknown> }>
        >;
      };
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ path, method, op })),
      );
      expect(operations.length).toBeGreaterThanOrEqual(9);
      for (const { path, method, op } of operations) {
        expect({ path, method, roles: op['x-roles'] }).toEqual({
          path,
          method,
          roles: expect.any(Array),
        });
        if (!op['x-roles']!.includes('PUBLIC'))
          expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      await request(t.http).get('/api/docs').expect(200);
    });
  });
});

describe('Login limits across instances', () => {
  it('hold across two instances on one database (kept in PostgreSQL, not in process memory)', async () => {
    const env = { LOGIN_RATE_LIMIT_PER_EMAIL: '3', LOGIN_RATE_LIMIT_PER_IP: '50' };
    const one = await createTestApp({ env });
    const two = await createTestApp({ env, databaseUrl: one.databaseUrl });
    try {
      const email = 'shared-target@test.local';
      const statuses: number[] = [];
      for (const app of [one, two, one, two, one]) {
        statuses.push(
          (await request(app.http).post('/api/auth/login').send({ email, password: 'guess' }))
            .status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
