import request from 'supertest';
import { createTestApp, TestApp } from './support/app';

/**
 * A first sweep of hostile input, driven by the OpenAPI document: every operation is called as an
 * administrator and as association staff with bodies and parameters of the wrong shape. Whatever
 * comes back must be a 4xx problem+json — never a 500 — and nothing may be written.
 */
describe('Hostile bodies and parameters on every operation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOGIN_RATE_LIMIT_PER_IP: '100000',
        LOOKUP_FAILURE_LIMIT: '100000',
        PUBLIC_CHECK_LIMIT: '100000',
      },
    });
  });
  afterAll(() => t.close());

  const BODIES: unknown[] = [
    [],
    [1, 2, 3],
    'text',
    42,
    null,
    { codes: 'x'.repeat(100_000) },
    { a: { b: { c: { d: { e: {} } } } }, __proto__: { admin: true } },
    {
      email: "' OR 1=1 --",
      password: '<script>alert(1)</script>',
      upTo: '2026-02-30',
      count: -1,
      programmeId: '../../etc/passwd',
    },
    {
      budgetCents: 1e300,
      faceValueCents: Number.MAX_SAFE_INTEGER + 2,
      count: 1.5,
      codes: [null, {}, []],
    },
  ];
  const IDS = [
    '..%2F..%2Fetc%2Fpasswd',
    '%FF',
    "1'%20OR%20'1'='1",
    '00000000-0000-4000-8000-000000000000',
    'x'.repeat(2000),
  ];

  async function counts(): Promise<Record<string, number>> {
    const rows: { t: string; n: number }[] = await t.dataSource.query(
      `SELECT 'programme' AS t, count(*)::int AS n FROM programme UNION ALL SELECT 'association', count(*)::int FROM association
       UNION ALL SELECT 'booklet', count(*)::int FROM booklet UNION ALL SELECT 'redemption', count(*)::int FROM redemption
       UNION ALL SELECT 'claim', count(*)::int FROM claim UNION ALL SELECT 'statement', count(*)::int FROM statement
       UNION ALL SELECT 'app_user', count(*)::int FROM app_user`,
    );
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  }

  it('answers 4xx problem+json, never 500, and writes nothing', async () => {
    const admin = await t.adminToken();
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const before = await counts();
    const failures: string[] = [];
    let calls = 0;
    const statuses = new Map<number, number>();
    // Logout would revoke the token used for the sweep; it takes no input anyway.
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p !== '/api/auth/logout')) {
      for (const method of Object.keys(ops)) {
        const paths = path.includes('{') ? IDS.map((id) => path.replace(/\{[^}]+\}/g, id)) : [path];
        for (const p of paths) {
          const bodies = method === 'get' ? [undefined] : BODIES;
          for (const body of bodies) {
            let req = (request(t.http) as unknown as Record<string, (u: string) => request.Test>)
              [method](
                `${p}${method === 'get' ? '?page=-1&pageSize=1e9&status[]=x&from=2026-13-45' : ''}`,
              )
              .set('Authorization', `Bearer ${admin}`)
              .set('Idempotency-Key', 'hostile-key-0001');
            if (body !== undefined)
              req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
            const res = await req;
            calls++;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const isDownload =
              /pdf|csv|xml/.test(String(res.headers['content-type'])) && res.status === 200;
            if (
              res.status >= 500 ||
              (res.status >= 400 &&
                !String(res.headers['content-type']).includes('application/problem+json')) ||
              (res.status < 400 && !isDownload && method !== 'get')
            ) {
              failures.push(
                `${method.toUpperCase()} ${p.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 60)} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`,
              );
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(300);
    // The sweep reached validation (not just the door): most answers are 400s.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(calls / 2);
    expect(statuses.get(401) ?? 0).toBe(0);
    expect(await counts()).toEqual(before);
  });
});
