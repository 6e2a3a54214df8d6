import request from 'supertest';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';

/** A well-formed code that no cheque has (check character right): a 404 that counts per IP. */
const UNKNOWN = '0000-0000-0000-00';

async function publicChecks(t: TestApp, forwardedFor: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const ip of forwardedFor) {
    const res = await request(t.http)
      .get(`/api/public/cheques/${UNKNOWN}`)
      .set('X-Forwarded-For', ip);
    statuses.push(res.status);
  }
  return statuses;
}

describe('Operations: who may set the client address (TRUST_PROXY)', () => {
  it('unset (the default): X-Forwarded-For is ignored, so rotating it does not escape a per-IP limit', async () => {
    const t = await createTestApp({ env: { PUBLIC_CHECK_LIMIT: '2' } });
    try {
      expect(await publicChecks(t, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([
        404, 404, 429,
      ]);
    } finally {
      await t.close();
    }
  });

  it('TRUST_PROXY=loopback: the proxy on loopback tells the client address, and each client has its own limit', async () => {
    const t = await createTestApp({ env: { PUBLIC_CHECK_LIMIT: '2', TRUST_PROXY: 'loopback' } });
    try {
      expect(await publicChecks(t, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([
        404, 404, 404,
      ]);
      // …and the limit still holds for one client behind the proxy.
      expect(await publicChecks(t, ['198.51.100.7', '198.51.100.7', '198.51.100.7'])).toEqual([
        404, 404, 429,
      ]);
    } finally {
      await t.close();
    }
  });

  it('TRUST_PROXY naming another address: a request from loopback is not believed', async () => {
    const t = await createTestApp({ env: { PUBLIC_CHECK_LIMIT: '2', TRUST_PROXY: '10.1.2.3' } });
    try {
      expect(await publicChecks(t, ['203.0.113.1', '203.0.113.2', '203.0.113.3'])).toEqual([
        404, 404, 429,
      ]);
    } finally {
      await t.close();
    }
  });
});

describe('Operations: /metrics', () => {
  it('without METRICS_TOKEN the route does not exist', async () => {
    const t = await createTestApp();
    try {
      const res = await request(t.http).get('/metrics').expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    } finally {
      await t.close();
    }
  });

  it('with METRICS_TOKEN: refused without or with a wrong token; with it, requests per route, redemptions, refusals by code and the pool', async () => {
    const token = 'metrics-token-for-tests-0123';
    const t = await createTestApp({ env: { METRICS_TOKEN: token } });
    try {
      await request(t.http).get('/metrics').expect(401);
      await request(t.http).get('/metrics').set('Authorization', 'Bearer wrong-token').expect(401);

      const programme = await createProgramme(t);
      const association = await createAssociation(t);
      const staff = await t.userToken('ASSOCIATION', { associationId: association.id });
      const booklet = await issueBooklet(t, programme.id);
      const codes = booklet.cheques.map((c) => c.code);
      await request(t.http)
        .post('/api/redemptions')
        .set('Authorization', `Bearer ${staff.token}`)
        .set('Idempotency-Key', 'metrics-1')
        .send({
          codes: codes.slice(0, 2),
          activity: 'Smartphone',
          sessionDate: new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(
            new Date(),
          ),
        })
        .expect(201);
      await request(t.http)
        .get(`/api/cheques/${codes[0]}/check`)
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(409);
      await request(t.http)
        .get(`/api/cheques/${UNKNOWN}/check`)
        .set('Authorization', `Bearer ${staff.token}`)
        .expect(404);

      const res = await request(t.http)
        .get('/metrics')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      expect(res.headers['cache-control']).toBe('no-store');
      const text = res.text;
      expect(text).toMatch(
        /pn_http_requests_total\{method="POST",route="\/api\/redemptions",status="201"\} 1\n/,
      );
      // route patterns, never raw paths (a cheque code would be a label otherwise)
      expect(text).toMatch(
        /pn_http_requests_total\{method="GET",route="\/api\/cheques\/:code\/check",status="404"\} 1\n/,
      );
      expect(text).not.toContain(UNKNOWN);
      expect(text).toMatch(
        // the one redemption is counted in the histogram (whatever it took: no timing here)
        /pn_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/api\/redemptions"\} 1\n/,
      );
      expect(text).toMatch(/pn_redemptions_total 1\n/);
      expect(text).toMatch(/pn_cheques_redeemed_total 2\n/);
      expect(text).toMatch(/pn_cheque_refusals_total\{code="CHEQUE_ALREADY_REDEEMED"\} 1\n/);
      expect(text).toMatch(/pn_cheque_refusals_total\{code="CHEQUE_UNKNOWN"\} 1\n/);
      expect(text).toMatch(/pn_db_pool_connections\{state="idle"\} \d+\n/);
      expect(text).toMatch(/pn_process_resident_memory_bytes \d+/);
    } finally {
      await t.close();
    }
  });
});
