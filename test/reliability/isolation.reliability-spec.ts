import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createTestApp, TestApp } from '../support/app';
import {
  createAssociation,
  createProgramme,
  createSite,
  issueBooklet,
  printRun,
} from '../support/factories';
import { ACCESS_MATRIX, AccessRole, Target } from './access-matrix';
import { signInApi } from '../support/second-factor';
import { sql, TODAY } from './support';

type Caller =
  'anonymous' | 'associationA' | 'associationB' | 'prescriberX' | 'prescriberY' | 'agent' | 'admin';
const ROLE_OF: Record<Caller, AccessRole | null> = {
  anonymous: null,
  associationA: 'ASSOCIATION',
  associationB: 'ASSOCIATION',
  prescriberX: 'PRESCRIBER',
  prescriberY: 'PRESCRIBER',
  agent: 'AGENT',
  admin: 'ADMIN',
};

interface Operation {
  key: string;
  method: string;
  path: string;
  xRoles: string[];
}

interface Call {
  caller: Caller;
  op: string;
  status: number;
  code: unknown;
  text: string;
}

/**
 * Every operation × every kind of caller (anonymous, staff of association A, staff of association
 * B, agent, administrator), with the path filled with B's objects: who may call what, and that A
 * never reads or changes anything of B.
 */
describe('Isolation matrix', () => {
  let t: TestApp;
  const credentials = {} as Record<
    Exclude<Caller, 'anonymous'>,
    { email: string; password: string }
  >;
  const tokens = {} as Record<Caller, string | null>;
  const targets = {} as Record<Target, string>;
  let assoB: string;
  const markersOfB: string[] = [];
  const markersOfY: string[] = [];
  let operations: Operation[];

  const login = (c: { email: string; password: string }) =>
    signInApi(
      async (path, body) => {
        const res = await request(t.http).post(path).send(body);
        return { status: res.status, body: res.body as unknown };
      },
      t.databaseUrl,
      c,
    );

  async function user(role: AccessRole, associationId?: string, siteIds?: string[]) {
    const c = { email: `${randomUUID()}@isolation.test`, password: 'isolation-password-long' };
    const res = await request(t.http)
      .post('/api/users')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .send({
        ...c,
        role,
        ...(associationId ? { associationId } : {}),
        ...(siteIds ? { siteIds } : {}),
      })
      .expect(201);
    return { ...c, id: res.body.id as string };
  }

  /** Redemptions, a statement, a draft claim and a cancellable redemption for one association. */
  async function activity(staff: string, issuer: string, codes: string[]) {
    const redeem = async (code: string) =>
      (
        await request(t.http)
          .post('/api/redemptions')
          .set('Authorization', `Bearer ${staff}`)
          .set('Idempotency-Key', randomUUID())
          .send({ codes: [code], activity: 'Smartphone', sessionDate: TODAY })
          .expect(201)
      ).body.id as string;
    const post = (path: string, token: string, body: object = {}) =>
      request(t.http).post(path).set('Authorization', `Bearer ${token}`).send(body);
    const r1 = await redeem(codes[0]);
    const claim1 = (await post('/api/claims', staff, { upTo: TODAY }).expect(201)).body.id;
    await post(`/api/claims/${claim1}/submit`, staff).expect(200);
    const statement = (await post(`/api/claims/${claim1}/issue`, issuer).expect(201)).body;
    const r2 = await redeem(codes[1]);
    const claim2 = (await post('/api/claims', staff, { upTo: TODAY }).expect(201)).body.id;
    const r3 = await redeem(codes[2]);
    return { r1, r2, r3, claim1, claim2, statement };
  }

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOGIN_RATE_LIMIT_PER_IP: '100000', LOGIN_RATE_LIMIT_PER_EMAIL: '100000' },
    });
    const programme = await createProgramme(t);
    const a = await createAssociation(t, { name: 'Structure A Isolation' });
    const b = await createAssociation(t, {
      name: 'Structure B Isolation',
      email: 'contact-b@isolation.test',
    });
    assoB = b.id;
    const staffA = await user('ASSOCIATION', a.id);
    const staffB = await user('ASSOCIATION', b.id);
    const agent = await user('AGENT');
    const [siteX, siteY, siteZ] = [
      await createSite(t, { name: 'Lieu X Isolation' }),
      await createSite(t, { name: 'Lieu Y Isolation' }),
      await createSite(t, { name: 'Lieu Z Isolation' }),
    ];
    credentials.prescriberX = await user('PRESCRIBER', undefined, [siteX.id]);
    credentials.prescriberY = await user('PRESCRIBER', undefined, [siteY.id]);
    credentials.associationA = staffA;
    credentials.associationB = staffB;
    credentials.agent = agent;
    credentials.admin = { email: ADMIN_EMAIL, password: ADMIN_PASSWORD };
    tokens.anonymous = null;
    for (const c of [
      'associationA',
      'associationB',
      'prescriberX',
      'prescriberY',
      'agent',
      'admin',
    ] as const)
      tokens[c] = await login(credentials[c]);

    const booklet = await issueBooklet(t, programme.id);
    const named = await issueBooklet(t, programme.id, { postalCode: '31100' });
    const codes = booklet.cheques.map((c) => c.code);
    await activity(tokens.associationA!, tokens.agent!, codes.slice(0, 3));
    const ofB = await activity(tokens.associationB!, tokens.agent!, codes.slice(3, 6));
    const batch = await request(t.http)
      .post('/api/booklets/batches')
      .set('Authorization', `Bearer ${tokens.agent}`)
      .send({ programmeId: programme.id, count: 1, siteId: (await createSite(t)).id })
      .expect(201);
    // site Y's stock: one booklet to hand over, one to transfer, one to report lost, and a
    // transfer from Y to Z waiting for its receipt; site X's own stock for the list checks
    await printRun(t, programme.id, 1, siteX.id);
    const stockY = (
      await request(t.http)
        .get(`/api/booklets?batchId=${(await printRun(t, programme.id, 4, siteY.id)).id}`)
        .set('Authorization', `Bearer ${tokens.admin}`)
        .expect(200)
    ).body.items as { id: string; number: string }[];
    stockY.sort((x, y) => (x.number < y.number ? -1 : 1));
    const transfer = (
      await request(t.http)
        .post('/api/stock/transfers')
        .set('Authorization', `Bearer ${tokens.admin}`)
        .send({ fromSiteId: siteY.id, toSiteId: siteZ.id, ranges: [{ first: stockY[3].number }] })
        .expect(201)
    ).body as { id: string };
    markersOfY.push(siteY.id, 'Lieu Y Isolation', transfer.id, ...stockY.map((b) => b.number));
    // someone the provider vouched for with B's SIRET, waiting for B's people (as the single
    // sign-on writes it: test/sso.e2e-spec.ts)
    const [accessRequest] = await sql<{ id: string }>(
      t.databaseUrl,
      `INSERT INTO access_request (issuer, subject, email, email_verified, display_name, siret, association_id)
       SELECT 'https://idp.isolation.test', 'colleague-of-b', 'colleague-b@isolation.test', true, 'Collègue B', siret, id
         FROM association WHERE id = $1
       RETURNING id`,
      [b.id],
    );
    Object.assign(targets, {
      site: siteY.id,
      otherSite: siteX.id,
      stockBooklet: stockY[0].id,
      transferBooklet: stockY[1].number,
      lossBooklet: stockY[2].number,
      transfer: transfer.id,
      user: staffB.id,
      programme: programme.id,
      association: b.id,
      booklet: booklet.id,
      batch: batch.body.id,
      redemption: ofB.r3,
      claim: ofB.claim2,
      statement: ofB.statement.id,
      // a batch id that exists nowhere: these routes are administrators' only, not scoped
      paymentBatch: randomUUID(),
      code: codes[3],
      indicator: 'overview',
      beneficiary: named.beneficiary!.reference,
      accessRequest: accessRequest.id,
    });
    markersOfB.push(
      b.id,
      'Structure B Isolation',
      'contact-b@isolation.test',
      'colleague-b@isolation.test',
      staffB.email,
      staffB.id,
      ofB.r1,
      ofB.r2,
      ofB.r3,
      ofB.claim1,
      ofB.claim2,
      ofB.statement.id,
      ofB.statement.number,
    );

    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-roles'?: string[] }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method,
        path,
        xRoles: op['x-roles'] ?? [],
      })),
    );
  });
  afterAll(() => t.close());

  /** Everything of association B, as the database holds it. */
  const snapshotOfB = async () =>
    sql(
      t.databaseUrl,
      `SELECT 'association' AS t, row_to_json(x)::text AS j FROM association x WHERE id = $1
       UNION ALL SELECT 'accreditation', row_to_json(x)::text FROM accreditation x WHERE association_id = $1
       UNION ALL SELECT 'user', row_to_json(x)::text FROM app_user x WHERE association_id = $1
       UNION ALL SELECT 'redemption', row_to_json(x)::text FROM redemption x WHERE association_id = $1
       UNION ALL SELECT 'line', row_to_json(l)::text FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id WHERE r.association_id = $1
       UNION ALL SELECT 'claim', row_to_json(x)::text FROM claim x WHERE association_id = $1
       UNION ALL SELECT 'statement', row_to_json(x)::text FROM statement x WHERE association_id = $1
       UNION ALL SELECT 'access_request', row_to_json(x)::text FROM access_request x WHERE association_id = $1
       ORDER BY 1, 2`,
      [assoB],
    );

  /** Everything of distribution site Y's stock, as the database holds it. */
  const snapshotOfY = async () =>
    sql(
      t.databaseUrl,
      `SELECT 'site' AS t, row_to_json(x)::text AS j FROM distribution_site x WHERE name = 'Lieu Y Isolation'
       UNION ALL SELECT 'booklet', row_to_json(b)::text FROM booklet b JOIN distribution_site s ON s.id = b.site_id WHERE s.name = 'Lieu Y Isolation'
       UNION ALL SELECT 'transfer', row_to_json(x)::text FROM stock_transfer x JOIN distribution_site s ON s.id = x.from_site_id WHERE s.name = 'Lieu Y Isolation'
       ORDER BY 1, 2`,
    );

  async function call(caller: Caller, op: Operation): Promise<Call> {
    const access = ACCESS_MATRIX[op.key];
    const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(targets[access.target!]));
    const query =
      op.method === 'get' && !access.target
        ? access.siteScoped
          ? '?pageSize=100'
          : `?associationId=${assoB}&pageSize=100`
        : '';
    let req = (request(t.http) as unknown as Record<string, (u: string) => request.Test>)[
      op.method
    ](path + query);
    let token = tokens[caller];
    if (access.freshSession && caller !== 'anonymous') token = await login(credentials[caller]);
    if (token) req = req.set('Authorization', `Bearer ${token}`);
    if (op.method !== 'get') {
      const body =
        op.key === 'POST /api/auth/login'
          ? { email: credentials.agent.email, password: credentials.agent.password }
          : typeof access.body === 'function'
            ? access.body(targets)
            : (access.body ?? {});
      req = req.set('Idempotency-Key', randomUUID()).send(body);
    }
    const res = await req.buffer(true);
    // Logging out ends every session of the user: sign in again for the next calls.
    if (access.freshSession && caller !== 'anonymous')
      tokens[caller] = await login(credentials[caller]);
    const text = Buffer.isBuffer(res.body) ? res.body.toString('latin1') : (res.text ?? '');
    return { caller, op: op.key, status: res.status, code: res.body?.code, text };
  }

  const denied = (c: Call) => c.status === 401 || (c.status === 403 && c.code === 'FORBIDDEN');

  it('has one entry per operation of the OpenAPI document, and the document says the same', () => {
    const documented = operations.map((o) => o.key).sort();
    expect(documented).toEqual(Object.keys(ACCESS_MATRIX).sort());
    for (const op of operations)
      expect([op.key, ...op.xRoles.sort()]).toEqual([
        op.key,
        ...ACCESS_MATRIX[op.key].roles.sort(),
      ]);
  });

  it('lets exactly the listed roles in, and association A never reads or changes anything of B', async () => {
    const problems: string[] = [];
    const check = (c: Call) => {
      const access = ACCESS_MATRIX[c.op];
      const role = ROLE_OF[c.caller];
      const allowed =
        access.roles.includes('PUBLIC') || (role !== null && access.roles.includes(role));
      const where = `${c.caller} ${c.op} → ${c.status} ${String(c.code)}`;
      if (!allowed) {
        const expected = c.caller === 'anonymous' ? 401 : 403;
        if (c.status !== expected || (expected === 403 && c.code !== 'FORBIDDEN'))
          problems.push(`${where}: expected ${expected}`);
        return;
      }
      if (denied(c)) problems.push(`${where}: denied to an allowed caller`);
      if (c.status >= 500) problems.push(`${where}: server error`);
      if (access.siteScoped && c.caller === 'prescriberX') {
        if ((access.target || access.body) && c.status !== 404)
          problems.push(`${where}: site Y's object not hidden`);
        const leaked = markersOfY.filter((m) => c.text.includes(m));
        if (!access.target && !access.body && leaked.length)
          problems.push(`${where}: shows site Y's ${leaked.join(', ')}`);
      }
      if (access.siteScoped && c.caller === 'prescriberY') {
        if (c.status === 404) problems.push(`${where}: Y's prescriber cannot reach its own object`);
        if (c.op.startsWith('GET') && !markersOfY.some((m) => c.text.includes(m)))
          problems.push(`${where}: Y's prescriber does not see its own stock`);
      }
      if (!access.scoped) return;
      if (c.caller === 'associationA') {
        if (access.target && c.status !== 404) problems.push(`${where}: B's object not hidden`);
        const leaked = markersOfB.filter((m) => c.text.includes(m));
        if (!access.target && leaked.length)
          problems.push(`${where}: shows B's ${leaked.join(', ')}`);
      }
      if (c.caller === 'associationB') {
        if (c.status === 404) problems.push(`${where}: B cannot reach its own object`);
        if (c.op.startsWith('GET') && !markersOfB.some((m) => c.text.includes(m)))
          problems.push(
            `${where}: B does not see its own data (the leak check would prove nothing)`,
          );
      }
    };

    // Phase 1: callers who must not change anything of B.
    const before = await snapshotOfB();
    const beforeY = await snapshotOfY();
    for (const op of operations)
      for (const caller of ['anonymous', 'associationA', 'prescriberX'] as const)
        check(await call(caller, op));
    expect(await snapshotOfB()).toEqual(before);
    expect(await snapshotOfY()).toEqual(beforeY);

    // Phase 2: B itself, then the département's staff (whose actions may change B's data).
    const calls = { allowed: 0, denied: 0 };
    for (const op of operations)
      for (const caller of ['associationB', 'prescriberY', 'agent', 'admin'] as const) {
        const c = await call(caller, op);
        check(c);
        calls[denied(c) ? 'denied' : 'allowed']++;
      }
    expect(problems).toEqual([]);
    process.stdout.write(
      `isolation: ${operations.length} operations × 7 callers, ${calls.allowed} allowed and ${calls.denied} denied calls in phase 2\n`,
    );
  });
});
