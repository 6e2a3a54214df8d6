import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday } from '../src/common/dates';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, issueBooklet } from './support/factories';
import { moneyViolations } from './support/invariants';

/**
 * Every pair of money actions, run at the same time on the same objects (the same booklet, the
 * same association, its claims, statements and batch), on a fresh set of them each time: no
 * deadlock (it would surface as 409 CONCURRENT_UPDATE), no server error, every invariant true
 * after. Then every action at once. Rounds: MONEY_CONCURRENCY_ROUNDS (1 in `npm test`).
 */
const ROUNDS = Number(process.env.MONEY_CONCURRENCY_ROUNDS ?? 1);
const today = parisToday();
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

interface World {
  staff: string;
  booklet: { id: string; codes: string[] };
  unclaimed: string; // an unclaimed, recent redemption (cancellable)
  paidRedemption: string; // on a paid statement (reversible)
  approved: string; // an approved statement, in no batch
  issued: string; // an issued statement
  submitted: string; // a submitted claim
  draft: string; // a draft claim
  batch: string; // a prepared batch
}

type Action = (w: World) => request.Test;

describe('Money actions two by two, at the same time', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  let programmeId: string;
  jest.setTimeout(30 * 60_000);

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOOKUP_FAILURE_LIMIT: '1000000',
        LOGIN_RATE_LIMIT_PER_IP: '1000000',
        LOGIN_RATE_LIMIT_PER_EMAIL: '1000000',
        PAYER_IBAN: 'FR7630001007941234567890185',
      },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
    programmeId = (await createProgramme(t, { budgetCents: 1_000_000_000 })).id;
  });
  afterAll(() => t.close());

  const ok = (r: request.Response, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { id: string };
  };

  async function world(): Promise<World> {
    const asso = await createAssociation(t);
    const staff = (await t.userToken('ASSOCIATION', { associationId: asso.id })).token;
    const b1 = await issueBooklet(t, programmeId);
    const b2 = (await issueBooklet(t, programmeId)).cheques.map((c) => c.code);
    const redeem = async (code: string) =>
      ok(
        await request(t.http)
          .post('/api/redemptions')
          .set(as(staff))
          .set('Idempotency-Key', randomUUID())
          .send({ codes: [code], activity: 'Smartphone', sessionDate: today }),
        'redeem',
      ).id;
    const claim = async () =>
      ok(await request(t.http).post('/api/claims').set(as(staff)).send({ upTo: today }), 'claim')
        .id;
    const submit = async (id: string) =>
      ok(await request(t.http).post(`/api/claims/${id}/submit`).set(as(staff)), 'submit');
    const issue = async (id: string) =>
      ok(await request(t.http).post(`/api/claims/${id}/issue`).set(as(admin)), 'issue').id;
    const approve = async (id: string) =>
      ok(await request(t.http).post(`/api/statements/${id}/approve`).set(as(admin2)), 'approve');
    const statement = async (code: string) => {
      const redemption = await redeem(code);
      const c = await claim();
      await submit(c);
      return { redemption, statement: await issue(c) };
    };

    const paid = await statement(b2[0]);
    await approve(paid.statement);
    ok(
      await request(t.http)
        .post(`/api/statements/${paid.statement}/paid`)
        .set(as(admin))
        .send({ paidOn: today, paymentReference: `MDT-${randomUUID().slice(0, 13)}` }),
      'paid',
    );
    const approved = (await statement(b2[1])).statement;
    await approve(approved);
    const inBatch = (await statement(b2[2])).statement;
    await approve(inBatch);
    const batch = ok(
      await request(t.http)
        .post('/api/payment-batches')
        .set(as(admin))
        .send({ statementIds: [inBatch] }),
      'batch',
    ).id;
    const issued = (await statement(b2[3])).statement;
    await redeem(b2[4]);
    const submitted = await claim();
    await submit(submitted);
    await redeem(b2[5]);
    const draft = await claim();
    const unclaimed = await redeem(b1.cheques[0].code);
    await redeem(b1.cheques[1].code);
    return {
      staff,
      booklet: { id: b1.id, codes: b1.cheques.map((c) => c.code) },
      unclaimed,
      paidRedemption: paid.redemption,
      approved,
      issued,
      submitted,
      draft,
      batch,
    };
  }

  const actions: Record<string, Action> = {
    redeem: (w) =>
      request(t.http)
        .post('/api/redemptions')
        .set(as(w.staff))
        .set('Idempotency-Key', randomUUID())
        .send({ codes: w.booklet.codes.slice(2, 4), activity: 'Smartphone', sessionDate: today }),
    cancelRedemption: (w) =>
      request(t.http)
        .post(`/api/redemptions/${w.unclaimed}/cancel`)
        .set(as(w.staff))
        .send({ reason: 'Erreur de saisie' }),
    reverse: (w) =>
      request(t.http)
        .post(`/api/redemptions/${w.paidRedemption}/reverse`)
        .set(as(admin))
        .send({ reason: 'Atelier non réalisé' }),
    cancelBooklet: (w) =>
      request(t.http)
        .post(`/api/booklets/${w.booklet.id}/cancel`)
        .set(as(admin))
        .send({ reason: 'STOLEN', replace: true }),
    cancelBookletNoReplacement: (w) =>
      request(t.http)
        .post(`/api/booklets/${w.booklet.id}/cancel`)
        .set(as(admin2))
        .send({ reason: 'LOST', replace: false }),
    claim: (w) => request(t.http).post('/api/claims').set(as(w.staff)).send({ upTo: today }),
    submit: (w) => request(t.http).post(`/api/claims/${w.draft}/submit`).set(as(w.staff)),
    reject: (w) =>
      request(t.http)
        .post(`/api/claims/${w.submitted}/reject`)
        .set(as(admin))
        .send({ reason: 'Pièce manquante' }),
    issue: (w) => request(t.http).post(`/api/claims/${w.submitted}/issue`).set(as(admin)),
    approve: (w) => request(t.http).post(`/api/statements/${w.issued}/approve`).set(as(admin2)),
    markPaid: (w) =>
      request(t.http)
        .post(`/api/statements/${w.approved}/paid`)
        .set(as(admin))
        .send({ paidOn: today, paymentReference: `MDT-${randomUUID().slice(0, 13)}` }),
    cutOff: () =>
      request(t.http).post('/api/statements/run').set(as(admin)).send({ periodEnd: today }),
    prepareBatch: (w) =>
      request(t.http)
        .post('/api/payment-batches')
        .set(as(admin2))
        .send({ statementIds: [w.approved] }),
    approveBatch: (w) =>
      request(t.http).post(`/api/payment-batches/${w.batch}/approve`).set(as(admin2)),
    cancelBatch: (w) =>
      request(t.http)
        .post(`/api/payment-batches/${w.batch}/cancel`)
        .set(as(admin))
        .send({ reason: 'Périmètre revu' }),
  };
  const names = Object.keys(actions);
  const pairs = names.flatMap((a, i) => names.slice(i).map((b) => [a, b] as const));

  /** What a concurrent call may answer: done, or a refusal the rules give; never a lost race. */
  function judge(name: string, r: request.Response): string | null {
    const code = (r.body as { code?: string }).code;
    if (r.status >= 500) return `${name}: ${r.status} ${JSON.stringify(r.body)}`;
    if (code === 'CONCURRENT_UPDATE') return `${name}: deadlock or lost race (${code})`;
    if (r.status >= 400 && ![403, 409, 410, 422].includes(r.status))
      return `${name}: ${r.status} ${JSON.stringify(r.body)}`;
    return null;
  }

  it(`runs each of the ${pairs.length} pairs of ${names.length} money actions at the same time (${ROUNDS} round(s)): no deadlock, every invariant true`, async () => {
    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++)
      for (const [a, b] of pairs) {
        const w = await world();
        const [ra, rb] = await Promise.all([actions[a](w), actions[b](w)]);
        for (const [name, r] of [
          [a, ra],
          [b, rb],
        ] as const) {
          const problem = judge(name, r);
          if (problem) problems.push(`${a} ‖ ${b}: ${problem}`);
          const key = `${name} ${r.status}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
        const violated = await moneyViolations(t, [programmeId]);
        if (violated.length) problems.push(`${a} ‖ ${b}: ${violated.join('; ')}`);
      }
    // every action succeeded at least once (the scenario really lets each one act)
    for (const name of names)
      expect([
        name,
        [...outcomes.keys()].some((k) => k === `${name} 200` || k === `${name} 201`),
      ]).toEqual([name, true]);
    expect(problems).toEqual([]);
  });

  it(`runs all ${names.length} money actions at once (${ROUNDS * 5} rounds): no deadlock, every invariant true`, async () => {
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS * 5; round++) {
      const w = await world();
      const order = [...names].sort(() => Math.random() - 0.5);
      const results = await Promise.all(order.map((name) => actions[name](w)));
      results.forEach((r, i) => {
        const problem = judge(order[i], r);
        if (problem) problems.push(`round ${round}: ${problem}`);
      });
      const violated = await moneyViolations(t, [programmeId]);
      if (violated.length) problems.push(`round ${round}: ${violated.join('; ')}`);
    }
    expect(problems).toEqual([]);
  });
});
