import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme } from './support/factories';

const today = parisToday();

const ACTIONS = [
  'issue',
  'redeem',
  'redeem',
  'redeem',
  'cancelRedemption',
  'cancelBooklet',
  'claim',
  'submit',
  'issueStatement',
  'reject',
  'reject',
  'reverse',
  'approvePay',
] as const;
interface Run {
  programmeId: string;
  associationIds: string[];
  staff: string[];
}
type Action = { kind: (typeof ACTIONS)[number]; pick: number; size: number; flag: boolean };

/**
 * Property: whatever sequence of issue / redeem / cancel / claim / issue / reject / reverse / pay
 * happens, after every step both reconciliation equations hold to the cent.
 */
describe('Reconciliation under random sequences of actions (fast-check)', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOOKUP_FAILURE_LIMIT: '100000', LOGIN_RATE_LIMIT_PER_IP: '100000' },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
  });
  afterAll(() => t.close());

  /** How many times each kind of action actually changed something, over all runs. */
  const done = new Map<string, number>();
  const count = (kind: string) => done.set(kind, (done.get(kind) ?? 0) + 1);
  const pick = <T>(xs: T[], n: number): T | undefined =>
    xs.length ? xs[n % xs.length] : undefined;
  const rows = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.dataSource.query(sql, params);

  /** Applies one action; true when it changed something. */
  async function apply(run: Run, a: Action): Promise<boolean> {
    const { programmeId, associationIds: ids } = run;
    const asStaff = run.staff[a.pick % run.staff.length];
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    // Everything is looked up among this run's own associations ($1 = their ids) or programme.
    const one = async (sql: string, params: unknown[] = [ids]) =>
      pick(await rows<{ id: string }>(sql, params), a.pick);
    switch (a.kind) {
      case 'issue':
        await request(t.http)
          .post('/api/booklets')
          .set(as(admin))
          .send({ programmeId })
          .expect(201);
        return true;
      case 'redeem': {
        const codes = await rows<{ code: string }>(
          `SELECT c.code FROM cheque c JOIN booklet b ON b.id = c.booklet_id
            WHERE b.programme_id = $1 AND c.status = 'ISSUED' ORDER BY c.code LIMIT $2 OFFSET $3`,
          [programmeId, 1 + (a.size % 3), a.pick % 5],
        );
        if (!codes.length) return false;
        const res = await request(t.http)
          .post('/api/redemptions')
          .set(as(asStaff))
          .set('Idempotency-Key', randomUUID())
          .send({ codes: codes.map((c) => c.code), activity: 'Smartphone', sessionDate: today });
        expect([201, 409]).toContain(res.status);
        return res.status === 201;
      }
      case 'cancelRedemption': {
        const r = await one(
          `SELECT id FROM redemption WHERE association_id = ANY($1) AND status = 'ACTIVE' AND claim_id IS NULL ORDER BY id`,
        );
        if (!r) return false;
        await request(t.http)
          .post(`/api/redemptions/${r.id}/cancel`)
          .set(as(admin))
          .send({ reason: 'Erreur' })
          .expect(200);
        return true;
      }
      case 'cancelBooklet': {
        const b = await one(
          `SELECT id FROM booklet WHERE programme_id = $1 AND status = 'ACTIVE' ORDER BY id`,
          [programmeId],
        );
        if (!b) return false;
        await request(t.http)
          .post(`/api/booklets/${b.id}/cancel`)
          .set(as(admin))
          .send({ reason: 'LOST', replace: a.flag })
          .expect(200);
        return true;
      }
      case 'claim': {
        const res = await request(t.http)
          .post('/api/claims')
          .set(as(asStaff))
          .send({ upTo: today });
        expect([201, 422]).toContain(res.status);
        if (res.status !== 201) return false;
        if (a.flag)
          await request(t.http)
            .post(`/api/claims/${res.body.id}/submit`)
            .set(as(asStaff))
            .expect(200);
        return true;
      }
      case 'submit': {
        const c = await one(
          `SELECT id FROM claim WHERE association_id = ANY($1) AND status = 'DRAFT' ORDER BY id`,
        );
        if (!c) return false;
        await request(t.http).post(`/api/claims/${c.id}/submit`).set(as(admin)).expect(200);
        return true;
      }
      case 'issueStatement': {
        const c = await one(
          `SELECT id FROM claim WHERE association_id = ANY($1) AND status = 'SUBMITTED' ORDER BY id`,
        );
        if (!c) return false;
        await request(t.http).post(`/api/claims/${c.id}/issue`).set(as(admin)).expect(201);
        return true;
      }
      case 'reject': {
        const c = await one(
          `SELECT id FROM claim WHERE association_id = ANY($1) AND status = 'SUBMITTED' ORDER BY id`,
        );
        if (!c) return false;
        await request(t.http)
          .post(`/api/claims/${c.id}/reject`)
          .set(as(admin))
          .send({ reason: 'Incomplet' })
          .expect(200);
        return true;
      }
      case 'reverse': {
        const r = await one(
          `SELECT r.id FROM redemption r JOIN statement s ON s.claim_id = r.claim_id WHERE r.association_id = ANY($1) AND r.status = 'ACTIVE' ORDER BY r.id`,
        );
        if (!r) return false;
        await request(t.http)
          .post(`/api/redemptions/${r.id}/reverse`)
          .set(as(admin))
          .send({ reason: 'Contrôle' })
          .expect(200);
        return true;
      }
      case 'approvePay': {
        const st = await one(
          `SELECT id FROM statement WHERE association_id = ANY($1) AND status = 'ISSUED' ORDER BY id`,
        );
        if (!st) return false;
        await request(t.http).post(`/api/statements/${st.id}/approve`).set(as(admin2)).expect(200);
        if (a.flag)
          await request(t.http)
            .post(`/api/statements/${st.id}/paid`)
            .set(as(admin))
            .send({ paidOn: today, paymentReference: `MDT-${a.pick}` })
            .expect(200);
        return true;
      }
    }
  }

  it('both equations hold after every step', async () => {
    const action = fc.record({
      kind: fc.constantFrom(...ACTIONS),
      pick: fc.nat(1000),
      size: fc.nat(10),
      flag: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 10, maxLength: 40 }), async (actions) => {
        const programme = await createProgramme(t, { budgetCents: 200_000 });
        const run: Run = { programmeId: programme.id, associationIds: [], staff: [] };
        for (let i = 0; i < 2; i++) {
          const asso = await createAssociation(t, { name: `Structure ${i}` });
          run.associationIds.push(asso.id);
          run.staff.push((await t.userToken('ASSOCIATION', { associationId: asso.id })).token);
        }
        for (const a of [{ kind: 'issue', pick: 0, size: 0, flag: false } as Action, ...actions]) {
          if (await apply(run, a)) count(a.kind);
          const r = await request(t.http)
            .get(`/api/programmes/${programme.id}/reconciliation`)
            .set('Authorization', `Bearer ${admin}`)
            .expect(200);
          expect({
            after: a.kind,
            issued: r.body.issuedBalanced,
            redeemed: r.body.redeemedBalanced,
          }).toEqual({ after: a.kind, issued: true, redeemed: true });
        }
      }),
      { numRuns: 20, seed: 20261124, verbose: 1, endOnFailure: true },
    );
    // The runs did reach every kind of action (otherwise the property proves little).
    for (const kind of new Set(ACTIONS))
      expect({ kind, done: (done.get(kind) ?? 0) > 0 }).toEqual({ kind, done: true });
  });
});
