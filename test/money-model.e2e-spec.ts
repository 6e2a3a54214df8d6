import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { parisToday, shiftDay } from '../src/common/dates';
import { PersonalDataService } from '../src/beneficiaries/personal-data.service';
import { createTestApp, TestApp } from './support/app';
import { createAssociation, createProgramme, createSite } from './support/factories';
import { moneyViolations } from './support/invariants';

/**
 * A model-based test (fast-check `commands`): random sequences of every action that touches money
 * or cheques run against the real service and, side by side, against a small model of the rules.
 * After every step, every cheque, booklet, redemption, claim, statement and batch has the status
 * the model says, and the equations hold per programme and per association, to the cent, both in
 * the model and in the database:
 *   issued = outstanding + redeemed + expired + cancelled (+ reversed: a reversed cheque stays consumed)
 *   redeemed = unclaimed + on claims + on statements − reversals
 *   owed back (reversals after a statement) = corrections pending + on statements + settled
 * plus the database invariants of test/support/invariants.ts (no redemption on two positive
 * statement lines, a statement in one batch at most, …).
 *
 * Fixed seed (MODEL_SEED); MODEL_RUNS sequences of up to MODEL_STEPS steps (bounded in `npm test`,
 * longer with the settings). fast-check prints the seed and the failing sequence.
 */
const SEED = Number(process.env.MODEL_SEED ?? 20261201);
const RUNS = Number(process.env.MODEL_RUNS ?? 20);
const STEPS = Number(process.env.MODEL_STEPS ?? 60);
const RETENTION_YEARS = 3;
const CANCEL_DAYS = 7;
const today = parisToday();

type ChequeStatus = 'ISSUED' | 'REDEEMED' | 'CANCELLED';
interface MCheque {
  id: string;
  code: string;
  booklet: string;
  programme: number;
  status: ChequeStatus;
  value: number;
}
interface MBooklet {
  id: string;
  number: string;
  programme: number;
  /** IN_STOCK: printed for the site, not handed over: its cheques are refused. */
  status: 'IN_STOCK' | 'ACTIVE' | 'CANCELLED';
  cheques: string[];
  beneficiary: string | null;
}
interface MRedemption {
  id: string;
  association: number;
  cheques: string[];
  status: 'ACTIVE' | 'CANCELLED' | 'REVERSED';
  claim: string | null;
  old: boolean; // its cancellation delay has passed
  correctedOn: string | null; // the statement carrying its correction
}
interface MClaim {
  id: string;
  association: number;
  status: 'DRAFT' | 'SUBMITTED' | 'ISSUED' | 'REJECTED';
  redemptions: string[];
}
interface MStatement {
  id: string;
  association: number;
  status: 'ISSUED' | 'APPROVED' | 'IN_BATCH' | 'SENT' | 'PAID';
  total: number;
  positive: string[]; // redemptions reimbursed
  corrections: string[]; // redemptions corrected
}
interface MBatch {
  id: string;
  status: 'PREPARED' | 'APPROVED' | 'SENT' | 'CANCELLED';
  statements: string[];
}
interface MProgramme {
  id: string;
  expired: boolean;
  deadline: string;
}
interface Model {
  /** The distribution site of the print runs. */
  site: string;
  programmes: MProgramme[];
  associations: { id: string; staff: string }[];
  booklets: MBooklet[];
  cheques: Map<string, MCheque>;
  redemptions: MRedemption[];
  claims: MClaim[];
  statements: MStatement[];
  batches: MBatch[];
  erased: Set<string>; // beneficiaries erased by retention
  references: string[]; // payment order numbers recorded
}
interface Real {
  t: TestApp;
  admin: string;
  admin2: string;
}
type Cmd = fc.AsyncCommand<Model, Real>;

const as = (token: string) => ({ Authorization: `Bearer ${token}` });
const pick = <T>(xs: T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);
/** An even `n` picks among the objects the action applies to (if any), an odd one among all. */
const choose = <T>(xs: T[], n: number, applies: (x: T) => boolean): T | undefined => {
  const likely = xs.filter(applies);
  return pick(n % 2 === 0 && likely.length ? likely : xs, Math.floor(n / 2));
};
const expectStatus = (r: request.Response, ok: boolean, what: string) => {
  const done = r.status === 200 || r.status === 201;
  if (done !== ok || r.status >= 500)
    throw new Error(
      `${what}: the model expected ${ok ? 'success' : 'a refusal'}, got ${r.status} ${JSON.stringify(r.body)}`,
    );
};
const chequesOf = (m: Model, r: MRedemption) => r.cheques.map((id) => m.cheques.get(id)!);
const value = (m: Model, r: MRedemption) => chequesOf(m, r).reduce((s, c) => s + c.value, 0);
const claimOf = (m: Model, id: string | null) => m.claims.find((c) => c.id === id);
/** Reversed after being on a statement, and corrected on none yet. */
const pendingCorrection = (m: Model, r: MRedemption) =>
  r.status === 'REVERSED' &&
  r.correctedOn === null &&
  m.statements.some((s) => s.positive.includes(r.id));
const deadlinePassed = (m: Model, r: MRedemption) =>
  chequesOf(m, r).some((c) => m.programmes[c.programme].deadline < today);

async function bookletFromDb(
  real: Real,
  m: Model,
  id: string,
  programme: number,
  status: 'IN_STOCK' | 'ACTIVE',
) {
  const rows = await real.t.dataSource.query<
    {
      id: string;
      code: string;
      face_value_cents: string;
      beneficiary_id: string | null;
      number: string;
    }[]
  >(
    `SELECT c.id, c.code, c.face_value_cents, b.beneficiary_id, b.number FROM cheque c JOIN booklet b ON b.id = c.booklet_id
      WHERE b.id = $1 ORDER BY c.position`,
    [id],
  );
  for (const c of rows)
    m.cheques.set(c.id, {
      id: c.id,
      code: c.code,
      booklet: id,
      programme,
      status: 'ISSUED',
      value: Number(c.face_value_cents),
    });
  m.booklets.push({
    id,
    number: rows[0].number,
    programme,
    status,
    cheques: rows.map((c) => c.id),
    beneficiary: rows[0]?.beneficiary_id ?? null,
  });
}

// ---- the commands ----------------------------------------------------------------------------

class IssueBooklet implements Cmd {
  constructor(
    readonly p: number,
    readonly named: boolean,
  ) {}
  check = (m: Model) => !m.programmes[this.p].expired;
  async run(m: Model, real: Real) {
    const res = await request(real.t.http)
      .post('/api/booklets')
      .set(as(real.admin))
      .send({
        programmeId: m.programmes[this.p].id,
        ...(this.named ? { beneficiary: { postalCode: '31100' } } : {}),
      });
    expectStatus(res, true, this.toString());
    await bookletFromDb(real, m, (res.body as { id: string }).id, this.p, 'ACTIVE');
  }
  toString = () => `issueBooklet(p${this.p}${this.named ? ', named' : ''})`;
}

class PrintRun implements Cmd {
  constructor(
    readonly p: number,
    readonly count: number,
  ) {}
  check = (m: Model) => !m.programmes[this.p].expired;
  async run(m: Model, real: Real) {
    const res = await request(real.t.http).post('/api/booklets/batches').set(as(real.admin)).send({
      programmeId: m.programmes[this.p].id,
      count: this.count,
      siteId: m.site,
    });
    expectStatus(res, true, this.toString());
    const booklets = await real.t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM booklet WHERE batch_id = $1 ORDER BY number`,
      [(res.body as { id: string }).id],
    );
    expect(booklets.length).toBe(this.count);
    for (const b of booklets) await bookletFromDb(real, m, b.id, this.p, 'IN_STOCK');
  }
  toString = () => `printRun(p${this.p}, ${this.count})`;
}

/** A booklet of stock handed to a resident: its cheques become redeemable. */
class Handover implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.booklets.length > 0;
  async run(m: Model, real: Real) {
    const b = choose(m.booklets, this.pick, (x) => x.status === 'IN_STOCK')!;
    const ok = b.status === 'IN_STOCK' && !m.programmes[b.programme].expired;
    const res = await request(real.t.http)
      .post(`/api/booklets/${b.id}/handover`)
      .set(as(real.admin))
      .send({ beneficiary: { postalCode: '31600', ageBand: '65_74' } });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    b.status = 'ACTIVE';
    const [row] = await real.t.dataSource.query<{ beneficiary_id: string }[]>(
      `SELECT beneficiary_id FROM booklet WHERE id = $1`,
      [b.id],
    );
    b.beneficiary = row.beneficiary_id;
  }
  toString = () => `handover(#${this.pick})`;
}

/** Stock reported lost by range (one booklet here): it and its cheques are cancelled. */
class ReportLoss implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.booklets.length > 0;
  async run(m: Model, real: Real) {
    const b = choose(m.booklets, this.pick, (x) => x.status === 'IN_STOCK')!;
    const ok = b.status === 'IN_STOCK';
    const res = await request(real.t.http)
      .post('/api/stock/losses')
      .set(as(real.admin))
      .send({ siteId: m.site, range: { first: b.number }, reason: 'STOLEN', comment: 'Vol' });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    b.status = 'CANCELLED';
    for (const id of b.cheques) m.cheques.get(id)!.status = 'CANCELLED';
  }
  toString = () => `reportLoss(#${this.pick})`;
}

class CancelBooklet implements Cmd {
  constructor(
    readonly pick: number,
    readonly replace: boolean,
  ) {}
  /** An even pick: a booklet in use (a redemption of it can still be cancelled). */
  private target(m: Model) {
    const inUse = (b: MBooklet) =>
      m.redemptions.some(
        (r) =>
          r.status === 'ACTIVE' &&
          !r.claim &&
          r.cheques.some((id) => m.cheques.get(id)!.booklet === b.id),
      );
    return choose(
      m.booklets.filter((b) => b.status !== 'CANCELLED'),
      this.pick,
      inUse,
    );
  }
  check = (m: Model) => {
    const b = this.target(m);
    return !!b && (!this.replace || !m.programmes[b.programme].expired);
  };
  async run(m: Model, real: Real) {
    const b = this.target(m)!;
    const was = b.status as 'IN_STOCK' | 'ACTIVE';
    const res = await request(real.t.http)
      .post(`/api/booklets/${b.id}/cancel`)
      .set(as(real.admin))
      .send({ reason: 'STOLEN', replace: this.replace });
    expectStatus(res, true, this.toString());
    b.status = 'CANCELLED';
    const unused = b.cheques.map((id) => m.cheques.get(id)!).filter((c) => c.status === 'ISSUED');
    for (const c of unused) c.status = 'CANCELLED';
    const replacement = (res.body as { replacement: { id: string } | null }).replacement;
    expect(!!replacement).toBe(this.replace && unused.length > 0);
    if (replacement) {
      // a booklet of stock is replaced by one in stock at the same site
      await bookletFromDb(real, m, replacement.id, b.programme, was);
      expect(m.booklets[m.booklets.length - 1].cheques.length).toBe(unused.length);
    }
  }
  toString = () => `cancelBooklet(#${this.pick}, replace: ${this.replace})`;
}

class Redeem implements Cmd {
  constructor(
    readonly association: number,
    readonly booklet: number,
    readonly from: number,
    readonly count: number,
  ) {}
  check = (m: Model) => m.booklets.length > 0;
  async run(m: Model, real: Real) {
    const b = pick(m.booklets, this.booklet)!;
    const cheques = [0, 1, 2]
      .slice(0, this.count)
      .map((i) => m.cheques.get(b.cheques[(this.from + i) % b.cheques.length])!);
    const unique = [...new Set(cheques)];
    const ok =
      unique.every((c) => c.status === 'ISSUED') &&
      b.status === 'ACTIVE' &&
      !m.programmes[b.programme].expired;
    const asso = m.associations[this.association];
    const res = await request(real.t.http)
      .post('/api/redemptions')
      .set(as(asso.staff))
      .set('Idempotency-Key', randomUUID())
      .send({ codes: unique.map((c) => c.code), activity: 'Smartphone', sessionDate: today });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    for (const c of unique) c.status = 'REDEEMED';
    m.redemptions.push({
      id: (res.body as { id: string }).id,
      association: this.association,
      cheques: unique.map((c) => c.id),
      status: 'ACTIVE',
      claim: null,
      old: false,
      correctedOn: null,
    });
  }
  toString = () =>
    `redeem(a${this.association}, booklet #${this.booklet}, cheques ${this.from}+${this.count})`;
}

class CancelRedemption implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.redemptions.length > 0;
  async run(m: Model, real: Real) {
    const r = choose(m.redemptions, this.pick, (x) => x.status === 'ACTIVE' && !x.claim && !x.old)!;
    const ok = r.status === 'ACTIVE' && r.claim === null && !r.old;
    const res = await request(real.t.http)
      .post(`/api/redemptions/${r.id}/cancel`)
      .set(as(real.admin))
      .send({ reason: 'Erreur de saisie' });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    r.status = 'CANCELLED';
    if (
      chequesOf(m, r).some(
        (c) => m.booklets.find((b) => b.id === c.booklet)!.status === 'CANCELLED',
      )
    )
      seen.set(
        'cancelRedemption of a cancelled booklet',
        (seen.get('cancelRedemption of a cancelled booklet') ?? 0) + 1,
      );
    for (const c of chequesOf(m, r))
      c.status =
        m.booklets.find((b) => b.id === c.booklet)!.status === 'CANCELLED' ? 'CANCELLED' : 'ISSUED';
  }
  toString = () => `cancelRedemption(#${this.pick})`;
}

class Reverse implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.redemptions.length > 0;
  async run(m: Model, real: Real) {
    const r = choose(
      m.redemptions,
      this.pick,
      (x) => x.status === 'ACTIVE' && claimOf(m, x.claim)?.status === 'ISSUED',
    )!;
    const ok = r.status === 'ACTIVE' && claimOf(m, r.claim)?.status === 'ISSUED';
    const res = await request(real.t.http)
      .post(`/api/redemptions/${r.id}/reverse`)
      .set(as(real.admin))
      .send({ reason: 'Atelier non réalisé' });
    expectStatus(res, ok, this.toString());
    if (ok) r.status = 'REVERSED';
  }
  toString = () => `reverse(#${this.pick})`;
}

class Claim implements Cmd {
  constructor(
    readonly association: number,
    readonly submit: boolean,
  ) {}
  check = () => true;
  async run(m: Model, real: Real) {
    const asso = m.associations[this.association];
    const claimable = m.redemptions.filter(
      (r) =>
        r.association === this.association &&
        r.status === 'ACTIVE' &&
        r.claim === null &&
        !deadlinePassed(m, r),
    );
    const res = await request(real.t.http)
      .post('/api/claims')
      .set(as(asso.staff))
      .send({ upTo: today });
    expectStatus(res, claimable.length > 0, this.toString());
    if (!claimable.length) return;
    const claim: MClaim = {
      id: (res.body as { id: string }).id,
      association: this.association,
      status: 'DRAFT',
      redemptions: claimable.map((r) => r.id),
    };
    m.claims.push(claim);
    for (const r of claimable) r.claim = claim.id;
    if (this.submit) {
      const sub = await request(real.t.http)
        .post(`/api/claims/${claim.id}/submit`)
        .set(as(asso.staff));
      expectStatus(sub, true, `${this.toString()}: submit`);
      claim.status = 'SUBMITTED';
    }
  }
  toString = () => `claim(a${this.association}${this.submit ? ', submit' : ''})`;
}

class Submit implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.claims.length > 0;
  async run(m: Model, real: Real) {
    const c = choose(m.claims, this.pick, (x) => x.status === 'DRAFT')!;
    const ok =
      c.status === 'DRAFT' &&
      !c.redemptions.some((id) =>
        deadlinePassed(
          m,
          m.redemptions.find((r) => r.id === id)!,
        ),
      );
    const res = await request(real.t.http)
      .post(`/api/claims/${c.id}/submit`)
      .set(as(m.associations[c.association].staff));
    expectStatus(res, ok, this.toString());
    if (c.status === 'DRAFT' && !ok) note('submit after the claim deadline');
    if (ok) c.status = 'SUBMITTED';
  }
  toString = () => `submit(#${this.pick})`;
}

class Reject implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.claims.length > 0;
  async run(m: Model, real: Real) {
    const c = choose(m.claims, this.pick, (x) => x.status === 'SUBMITTED')!;
    const ok = c.status === 'SUBMITTED';
    const res = await request(real.t.http)
      .post(`/api/claims/${c.id}/reject`)
      .set(as(real.admin))
      .send({ reason: 'Pièce manquante' });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    c.status = 'REJECTED';
    for (const r of m.redemptions) if (r.claim === c.id) r.claim = null;
  }
  toString = () => `reject(#${this.pick})`;
}

class IssueStatement implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.claims.length > 0;
  async run(m: Model, real: Real) {
    const c = choose(m.claims, this.pick, (x) => x.status === 'SUBMITTED')!;
    const positive = m.redemptions.filter((r) => r.claim === c.id && r.status === 'ACTIVE');
    const corrections = m.redemptions.filter(
      (r) => r.association === c.association && pendingCorrection(m, r),
    );
    const lines = positive.length + corrections.length;
    const ok = c.status === 'SUBMITTED' && lines > 0;
    const res = await request(real.t.http).post(`/api/claims/${c.id}/issue`).set(as(real.admin));
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    const s: MStatement = {
      id: (res.body as { id: string }).id,
      association: c.association,
      status: 'ISSUED',
      total:
        positive.reduce((sum, r) => sum + value(m, r), 0) -
        corrections.reduce((sum, r) => sum + value(m, r), 0),
      positive: positive.map((r) => r.id),
      corrections: corrections.map((r) => r.id),
    };
    expect((res.body as { totalCents: number }).totalCents).toBe(s.total);
    m.statements.push(s);
    for (const r of corrections) r.correctedOn = s.id;
    c.status = 'ISSUED';
  }
  toString = () => `issueStatement(#${this.pick})`;
}

class Approve implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.statements.length > 0;
  async run(m: Model, real: Real) {
    const s = choose(m.statements, this.pick, (x) => x.status === 'ISSUED')!;
    const ok = s.status === 'ISSUED';
    const res = await request(real.t.http)
      .post(`/api/statements/${s.id}/approve`)
      .set(as(real.admin2));
    expectStatus(res, ok, this.toString());
    if (ok) s.status = 'APPROVED';
  }
  toString = () => `approve(#${this.pick})`;
}

/** A statement's payment recorded: a payment order, or for a correction statement the recovery order. */
class MarkPaid implements Cmd {
  /**
   * `slip`: 0 as it should be; 1 dated the day before (every statement here is approved today:
   * never paid before its approval); 2 with a payment order number already recorded.
   */
  constructor(
    readonly pick: number,
    readonly slip: 0 | 1 | 2,
  ) {}
  check = (m: Model) => m.statements.length > 0 && (this.slip !== 2 || m.references.length > 0);
  async run(m: Model, real: Real) {
    const payable = (x: MStatement) => x.status === 'APPROVED' || x.status === 'SENT';
    const s = choose(m.statements, this.pick, payable)!;
    // paid outside any batch, or once its batch went to the finance department
    const ok = payable(s) && this.slip === 0;
    const reference =
      this.slip === 2 ? pick(m.references, this.pick)! : `MDT-${randomUUID().slice(0, 18)}`;
    const res = await request(real.t.http)
      .post(`/api/statements/${s.id}/paid`)
      .set(as(real.admin))
      .send({ paidOn: this.slip === 1 ? shiftDay(today, -1) : today, paymentReference: reference });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    s.status = 'PAID';
    m.references.push(reference);
  }
  toString = () =>
    `markPaid(#${this.pick}${['', ', the day before', ', a reference already used'][this.slip]})`;
}

/** A batch of this run's payable statements (or, with none, of all of them: refused). */
class PrepareBatch implements Cmd {
  check = (m: Model) => m.statements.length > 0;
  async run(m: Model, real: Real) {
    const payable = m.statements.filter((s) => s.status === 'APPROVED' && s.total > 0);
    const res = await request(real.t.http)
      .post('/api/payment-batches')
      .set(as(real.admin))
      .send({ statementIds: (payable.length ? payable : m.statements).map((s) => s.id) });
    expectStatus(res, payable.length > 0, this.toString());
    if (!payable.length) return;
    const body = res.body as { id: string; statements: { statementId: string }[] };
    expect(body.statements.map((s) => s.statementId).sort()).toEqual(
      payable.map((s) => s.id).sort(),
    );
    m.batches.push({ id: body.id, status: 'PREPARED', statements: payable.map((s) => s.id) });
    for (const st of payable) st.status = 'IN_BATCH';
  }
  toString = () => 'prepareBatch()';
}

class ApproveBatch implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.batches.length > 0;
  async run(m: Model, real: Real) {
    const b = choose(m.batches, this.pick, (x) => x.status === 'PREPARED')!;
    const ok = b.status === 'PREPARED';
    const res = await request(real.t.http)
      .post(`/api/payment-batches/${b.id}/approve`)
      .set(as(real.admin2));
    expectStatus(res, ok, this.toString());
    if (ok) b.status = 'APPROVED';
  }
  toString = () => `approveBatch(#${this.pick})`;
}

/**
 * An approved batch sent to the finance department (if not yet), then paid by the accountant:
 * each of its statements' payment is recorded.
 */
class PayBatch implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.batches.some((b) => b.status === 'APPROVED' || b.status === 'SENT');
  async run(m: Model, real: Real) {
    const b = pick(
      m.batches.filter((x) => x.status === 'APPROVED' || x.status === 'SENT'),
      this.pick,
    )!;
    if (b.status === 'APPROVED') {
      const sent = await request(real.t.http)
        .post(`/api/payment-batches/${b.id}/sent`)
        .set(as(real.admin));
      expectStatus(sent, true, this.toString());
      b.status = 'SENT';
      for (const id of b.statements) m.statements.find((x) => x.id === id)!.status = 'SENT';
    }
    // every other time, read back from the finance software's results file, all at once
    if (this.pick % 2 === 0) {
      const lines: string[] = [];
      const paying = b.statements
        .map((id) => m.statements.find((x) => x.id === id)!)
        .filter((x) => x.status === 'SENT');
      if (paying.length === 0) return;
      for (const st of paying) {
        const { number } = (
          await request(real.t.http).get(`/api/statements/${st.id}`).set(as(real.admin))
        ).body as { number: string };
        const cents = String(st.total).padStart(3, '0');
        lines.push(
          `${number};M-${randomUUID().slice(0, 18)};${cents.slice(0, -2)},${cents.slice(-2)};${today}`,
        );
      }
      const res = await request(real.t.http)
        .post(`/api/payment-batches/${b.id}/results`)
        .set(as(real.admin))
        .set('Content-Type', 'text/csv')
        .send(['numero_etat;numero_mandat;montant;date_paiement', ...lines].join('\r\n'));
      expectStatus(res, true, `${this.toString()} (results file)`);
      expect((res.body as { paidCount: number }).paidCount).toBe(paying.length);
      for (const st of paying) st.status = 'PAID';
      return;
    }
    for (const id of b.statements) {
      const s = m.statements.find((x) => x.id === id)!;
      const ok = s.status === 'SENT';
      const reference = `MDT-${randomUUID().slice(0, 18)}`;
      const res = await request(real.t.http)
        .post(`/api/statements/${id}/paid`)
        .set(as(real.admin))
        .send({ paidOn: today, paymentReference: reference });
      expectStatus(res, ok, this.toString());
      if (!ok) continue;
      s.status = 'PAID';
      m.references.push(reference);
    }
  }
  toString = () => `payBatch(#${this.pick})`;
}

class CancelBatch implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Model) => m.batches.length > 0;
  async run(m: Model, real: Real) {
    const b = choose(m.batches, this.pick, (x) => x.status === 'PREPARED')!;
    const ok = b.status === 'PREPARED';
    const res = await request(real.t.http)
      .post(`/api/payment-batches/${b.id}/cancel`)
      .set(as(real.admin))
      .send({ reason: 'Périmètre revu' });
    expectStatus(res, ok, this.toString());
    if (!ok) return;
    b.status = 'CANCELLED';
    for (const id of b.statements) m.statements.find((x) => x.id === id)!.status = 'APPROVED';
  }
  toString = () => `cancelBatch(#${this.pick})`;
}

/** The monthly cut-off: a submitted claim per association with something claimable, or owing. */
class CutOff implements Cmd {
  check = () => true;
  async run(m: Model, real: Real) {
    const res = await request(real.t.http)
      .post('/api/statements/run')
      .set(as(real.admin))
      .send({ periodEnd: today });
    expectStatus(res, true, this.toString());
    // earlier runs' associations may get claims too: only this run's are the model's
    const ours = new Set(m.associations.map((a) => a.id));
    const made = (res.body as { claims: { id: string; associationId: string }[] }).claims.filter(
      (c) => ours.has(c.associationId),
    );
    const expected: number[] = [];
    m.associations.forEach((asso, a) => {
      const unclaimed = m.redemptions.filter(
        (r) => r.association === a && r.status === 'ACTIVE' && r.claim === null,
      );
      const claimable = unclaimed.filter((r) => !deadlinePassed(m, r));
      const owes = m.redemptions.some((r) => r.association === a && pendingCorrection(m, r));
      const open = m.claims.some((c) => c.association === a && c.status === 'SUBMITTED');
      if (!claimable.length && !(owes && !open)) return;
      expected.push(a);
      const claim = made.find((c) => c.associationId === asso.id);
      if (!claim) throw new Error(`cut-off: no claim for a${a}, the model expected one`);
      m.claims.push({
        id: claim.id,
        association: a,
        status: 'SUBMITTED',
        redemptions: claimable.map((r) => r.id),
      });
      for (const r of claimable) r.claim = claim.id;
    });
    expect(made.length).toBe(expected.length);
  }
  toString = () => 'cutOff()';
}

/** Someone edits a printed date of a programme whose booklets are out: refused, nothing moves. */
class EditPrintedDates implements Cmd {
  constructor(
    readonly p: number,
    readonly field: 'expiresOn' | 'claimDeadline',
  ) {}
  check = (m: Model) => m.booklets.some((b) => b.programme === this.p);
  async run(m: Model, real: Real) {
    const res = await request(real.t.http)
      .patch(`/api/programmes/${m.programmes[this.p].id}`)
      .set(as(real.admin))
      .send({ [this.field]: `${Number(today.slice(0, 4)) + 3}-06-30` });
    expectStatus(res, false, this.toString());
    expect((res.body as { code: string }).code).toBe('PROGRAMME_DATES_PRINTED');
  }
  toString = () => `editPrintedDates(p${this.p}, ${this.field})`;
}

/** Time passes: the programme's expiry date is behind us. */
class ExpiryPasses implements Cmd {
  constructor(readonly p: number) {}
  check = (m: Model) => !m.programmes[this.p].expired;
  async run(m: Model, real: Real) {
    const p = m.programmes[this.p];
    await real.t.dataSource.query(`UPDATE programme SET expires_on = $2 WHERE id = $1`, [
      p.id,
      shiftDay(today, -1),
    ]);
    p.expired = true;
  }
  toString = () => `expiryPasses(p${this.p})`;
}

/** Time passes: the programme's claim deadline too (it comes after its expiry). */
class DeadlinePasses implements Cmd {
  constructor(readonly p: number) {}
  check = (m: Model) => m.programmes[this.p].deadline >= today;
  async run(m: Model, real: Real) {
    const p = m.programmes[this.p];
    const day = shiftDay(today, -1);
    await real.t.dataSource.query(
      `UPDATE programme SET expires_on = least(expires_on, $2::date), claim_deadline = $2 WHERE id = $1`,
      [p.id, day],
    );
    // everything submitted so far was submitted before the deadline went by
    await real.t.dataSource.query(
      `UPDATE claim SET submitted_at = submitted_at - interval '1 day' WHERE submitted_at IS NOT NULL`,
    );
    p.expired = true;
    p.deadline = day;
    if (m.claims.some((c) => c.status === 'DRAFT')) note('deadline passes with a draft open');
  }
  toString = () => `deadlinePasses(p${this.p})`;
}

/** Time passes: every redemption so far is older than the cancellation delay. */
class DelayPasses implements Cmd {
  check = (m: Model) => m.redemptions.some((r) => !r.old);
  async run(m: Model, real: Real) {
    await real.t.dataSource.query(
      `UPDATE redemption SET created_at = created_at - make_interval(days => $1)`,
      [CANCEL_DAYS + 1],
    );
    for (const r of m.redemptions) r.old = true;
  }
  toString = () => 'delayPasses()';
}

/** The retention job, run as if `years` years had passed: personal data goes, money stays. */
class Retention implements Cmd {
  constructor(readonly years: number) {}
  check = (m: Model) => m.booklets.some((b) => b.beneficiary);
  async run(m: Model, real: Real) {
    const day = `${Number(today.slice(0, 4)) + this.years}${today.slice(4)}`;
    await real.t.app.get(PersonalDataService).runRetention(null, day);
    // a beneficiary's data goes when every programme of its booklets is past its deadline plus
    // the retention period
    const kept = new Set<string>();
    for (const b of m.booklets) {
      if (!b.beneficiary) continue;
      const d = m.programmes[b.programme].deadline;
      if (`${Number(d.slice(0, 4)) + RETENTION_YEARS}${d.slice(4)}` >= day) kept.add(b.beneficiary);
    }
    for (const b of m.booklets)
      if (b.beneficiary && !kept.has(b.beneficiary)) m.erased.add(b.beneficiary);
  }
  toString = () => `retention(+${this.years} years)`;
}

// ---- agreement -------------------------------------------------------------------------------

interface Sums {
  issued: number;
  outstanding: number;
  expired: number;
  cancelled: number;
  redeemed: number;
  reversed: number;
  unclaimed: number;
  onClaims: number;
  onStatements: number;
  owedBack: number;
  pending: number;
  correctionsOnStatements: number;
  settled: number;
}
const ZERO: Sums = {
  issued: 0,
  outstanding: 0,
  expired: 0,
  cancelled: 0,
  redeemed: 0,
  reversed: 0,
  unclaimed: 0,
  onClaims: 0,
  onStatements: 0,
  owedBack: 0,
  pending: 0,
  correctionsOnStatements: 0,
  settled: 0,
};

/** The model's sums for a programme (`p`) or an association (`a`): cheque-side sums only per programme. */
function modelSums(m: Model, scope: { p?: number; a?: number }): Sums {
  const s = { ...ZERO };
  if (scope.p !== undefined)
    for (const c of m.cheques.values()) {
      if (c.programme !== scope.p) continue;
      s.issued += c.value;
      if (c.status === 'ISSUED') {
        if (m.programmes[c.programme].expired) s.expired += c.value;
        else s.outstanding += c.value;
      }
      if (c.status === 'CANCELLED') s.cancelled += c.value;
    }
  for (const r of m.redemptions) {
    if (scope.a !== undefined && r.association !== scope.a) continue;
    for (const c of chequesOf(m, r)) {
      if (scope.p !== undefined && c.programme !== scope.p) continue;
      const v = c.value;
      if (r.status === 'ACTIVE') {
        s.redeemed += v;
        const claim = claimOf(m, r.claim);
        if (!claim) s.unclaimed += v;
        else if (claim.status === 'DRAFT' || claim.status === 'SUBMITTED') s.onClaims += v;
      }
      if (r.status === 'REVERSED') s.reversed += v;
      if (r.status === 'CANCELLED') continue;
      const positive = m.statements.some((st) => st.positive.includes(r.id));
      if (positive) s.onStatements += v;
      if (r.status === 'REVERSED' && positive) {
        s.owedBack += v;
        const on = m.statements.find((st) => st.id === r.correctedOn);
        if (!on) s.pending += v;
        else if (on.status === 'PAID') s.settled += v;
        else s.correctionsOnStatements += v;
      }
    }
  }
  return s;
}

/** The same sums read from the database, by SQL of its own. */
async function dbSums(real: Real, scope: { programme?: string; association?: string }) {
  const [r] = await real.t.dataSource.query<Record<string, string>[]>(
    `WITH ch AS (
       SELECT c.id, c.status, c.face_value_cents AS v, p.expires_on FROM cheque c
         JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
        WHERE ($1::uuid IS NULL OR p.id = $1)),
     rl AS (
       SELECT l.id, l.amount_cents AS v, r.status, cl.status AS claim_status, r.claim_id FROM redemption_line l
         JOIN redemption r ON r.id = l.redemption_id LEFT JOIN claim cl ON cl.id = r.claim_id
        WHERE l.active AND l.cheque_id IN (SELECT id FROM ch) AND ($2::uuid IS NULL OR r.association_id = $2)),
     pos AS (SELECT DISTINCT sl.redemption_line_id AS id FROM statement_line sl WHERE sl.amount_cents > 0),
     cor AS (SELECT sl.redemption_line_id AS id, s.status FROM statement_line sl JOIN statement s ON s.id = sl.statement_id WHERE sl.amount_cents < 0)
     SELECT
       (SELECT coalesce(sum(v), 0) FROM ch WHERE $2::uuid IS NULL) AS issued,
       (SELECT coalesce(sum(v), 0) FROM ch WHERE $2::uuid IS NULL AND status = 'ISSUED' AND expires_on >= $3::date) AS outstanding,
       (SELECT coalesce(sum(v), 0) FROM ch WHERE $2::uuid IS NULL AND status = 'ISSUED' AND expires_on < $3::date) AS expired,
       (SELECT coalesce(sum(v), 0) FROM ch WHERE $2::uuid IS NULL AND status = 'CANCELLED') AS cancelled,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE') AS redeemed,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED') AS reversed,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_id IS NULL) AS unclaimed,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_status IN ('DRAFT', 'SUBMITTED')) AS on_claims,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE id IN (SELECT id FROM pos)) AS on_statements,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED' AND id IN (SELECT id FROM pos)) AS owed_back,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED' AND id IN (SELECT id FROM pos) AND id NOT IN (SELECT id FROM cor)) AS pending,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE id IN (SELECT id FROM cor WHERE status <> 'PAID')) AS corrections_on_statements,
       (SELECT coalesce(sum(v), 0) FROM rl WHERE id IN (SELECT id FROM cor WHERE status = 'PAID')) AS settled`,
    [scope.programme ?? null, scope.association ?? null, today],
  );
  const n = (k: string) => Number(r[k]);
  return {
    issued: n('issued'),
    outstanding: n('outstanding'),
    expired: n('expired'),
    cancelled: n('cancelled'),
    redeemed: n('redeemed'),
    reversed: n('reversed'),
    unclaimed: n('unclaimed'),
    onClaims: n('on_claims'),
    onStatements: n('on_statements'),
    owedBack: n('owed_back'),
    pending: n('pending'),
    correctionsOnStatements: n('corrections_on_statements'),
    settled: n('settled'),
  } satisfies Sums;
}

/** The three equations, on one set of sums; [] when they hold. */
function equations(s: Sums, cheques: boolean): string[] {
  const broken: string[] = [];
  if (cheques && s.issued !== s.outstanding + s.expired + s.cancelled + s.redeemed + s.reversed)
    broken.push('issued = outstanding + expired + cancelled + redeemed (+ reversed)');
  if (s.redeemed !== s.unclaimed + s.onClaims + s.onStatements - s.reversed)
    broken.push('redeemed = unclaimed + on claims + on statements − reversals');
  if (s.owedBack !== s.pending + s.correctionsOnStatements + s.settled)
    broken.push('owed back = corrections pending + on statements + settled');
  return broken;
}

async function agree(m: Model, real: Real, step: string): Promise<void> {
  const problems: string[] = [];
  const statuses = async (table: string, ids: string[]) =>
    new Map(
      (
        await real.t.dataSource.query<{ id: string; status: string }[]>(
          `SELECT id, status FROM ${table} WHERE id = ANY($1)`,
          [ids],
        )
      ).map((r) => [r.id, r.status]),
    );
  const compare = async (table: string, items: { id: string; status: string }[]) => {
    const db = await statuses(
      table,
      items.map((i) => i.id),
    );
    for (const i of items)
      if (db.get(i.id) !== i.status)
        problems.push(`${table} ${i.id}: model ${i.status}, database ${db.get(i.id)}`);
  };
  await compare('cheque', [...m.cheques.values()]);
  await compare('booklet', m.booklets);
  await compare('redemption', m.redemptions);
  await compare('claim', m.claims);
  await compare('statement', m.statements);
  await compare('payment_batch', m.batches);
  const claims = new Map(
    (
      await real.t.dataSource.query<{ id: string; claim_id: string | null }[]>(
        `SELECT id, claim_id FROM redemption WHERE id = ANY($1)`,
        [m.redemptions.map((r) => r.id)],
      )
    ).map((r) => [r.id, r.claim_id]),
  );
  for (const r of m.redemptions)
    if ((claims.get(r.id) ?? null) !== r.claim)
      problems.push(`redemption ${r.id}: model claim ${r.claim}, database ${claims.get(r.id)}`);
  const totals = new Map(
    (
      await real.t.dataSource.query<{ id: string; total_cents: string }[]>(
        `SELECT id, total_cents FROM statement WHERE id = ANY($1)`,
        [m.statements.map((s) => s.id)],
      )
    ).map((r) => [r.id, Number(r.total_cents)]),
  );
  for (const s of m.statements)
    if (totals.get(s.id) !== s.total)
      problems.push(`statement ${s.id}: model total ${s.total}, database ${totals.get(s.id)}`);
  const named = [...new Set(m.booklets.map((b) => b.beneficiary).filter((b) => b !== null))];
  const erased = await real.t.dataSource.query<{ id: string }[]>(
    `SELECT id FROM beneficiary WHERE erased_at IS NOT NULL AND id = ANY($1)`,
    [named],
  );
  if (erased.length !== m.erased.size || erased.some((b) => !m.erased.has(b.id)))
    problems.push(`beneficiaries erased: model ${m.erased.size}, database ${erased.length}`);

  // the equations, per programme and per association, in the model and in the database
  for (const [p, programme] of m.programmes.entries()) {
    const model = modelSums(m, { p });
    const db = await dbSums(real, { programme: programme.id });
    if (JSON.stringify(model) !== JSON.stringify(db))
      problems.push(
        `programme p${p}: model ${JSON.stringify(model)}, database ${JSON.stringify(db)}`,
      );
    for (const e of equations(db, true)) problems.push(`programme p${p}: ${e}`);
    const api = (
      await request(real.t.http)
        .get(`/api/programmes/${programme.id}/reconciliation`)
        .set(as(real.admin))
    ).body as Record<string, number | boolean>;
    if (
      api.issuedCents !== db.issued ||
      api.redeemedCents !== db.redeemed ||
      api.reversedCents !== db.reversed ||
      api.owedBackCents !== db.owedBack ||
      api.correctionsPendingCents !== db.pending ||
      !api.issuedBalanced ||
      !api.redeemedBalanced
    )
      problems.push(`programme p${p}: reconciliation ${JSON.stringify(api)}`);
  }
  for (const [a, association] of m.associations.entries()) {
    const model = modelSums(m, { a });
    const db = await dbSums(real, { association: association.id });
    if (JSON.stringify(model) !== JSON.stringify(db))
      problems.push(
        `association a${a}: model ${JSON.stringify(model)}, database ${JSON.stringify(db)}`,
      );
    for (const e of equations(db, false)) problems.push(`association a${a}: ${e}`);
  }
  problems.push(...(await moneyViolations(real.t, [])));
  if (problems.length) throw new Error(`after ${step}:\n  ${problems.join('\n  ')}`);
}

/** How many times each kind of command ran, over all runs (and a few telling cases). */
const seen = new Map<string, number>();
const note = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

/** Each command checks the model and the database agree once it has run. */
function agreeing(cmd: Cmd): Cmd {
  return {
    check: (m) => cmd.check(m),
    run: async (m, real) => {
      await cmd.run(m, real);
      await agree(m, real, cmd.toString());
      note(cmd.toString().split('(')[0]);
    },
    toString: () => cmd.toString(),
  };
}

describe('Money: a model-based test over every action that touches money or cheques (fast-check commands)', () => {
  let t: TestApp;
  let admin: string;
  let admin2: string;
  jest.setTimeout(60 * 60_000);

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        LOOKUP_FAILURE_LIMIT: '10000000',
        LOGIN_RATE_LIMIT_PER_IP: '10000000',
        LOGIN_RATE_LIMIT_PER_EMAIL: '10000000',
        PAYER_IBAN: 'FR7630001007941234567890185',
        REDEMPTION_CANCEL_DAYS: String(CANCEL_DAYS),
        PERSONAL_DATA_RETENTION_YEARS: String(RETENTION_YEARS),
      },
    });
    admin = await t.adminToken();
    admin2 = (await t.userToken('ADMIN')).token;
  });
  afterAll(() => t.close());

  it(`model and database agree after every step (seed ${SEED}, ${RUNS} runs of up to ${STEPS} steps)`, async () => {
    const n = fc.nat(1000);
    const redeem = fc
      .tuple(fc.nat(1), n, fc.nat(9), fc.integer({ min: 1, max: 3 }))
      .map(([a, b, from, k]) => new Redeem(a, b, from, k));
    // one arbitrary of weighted commands: the money flow often, time passing now and then
    const command = fc
      .oneof(
        {
          weight: 3,
          arbitrary: fc
            .tuple(fc.nat(1), fc.boolean())
            .map(([p, named]) => new IssueBooklet(p, named)),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.nat(1), fc.integer({ min: 1, max: 3 }))
            .map(([p, k]) => new PrintRun(p, k)),
        },
        {
          weight: 2,
          arbitrary: fc.tuple(n, fc.boolean()).map(([i, replace]) => new CancelBooklet(i, replace)),
        },
        { weight: 3, arbitrary: n.map((i) => new Handover(i)) },
        { weight: 1, arbitrary: n.map((i) => new ReportLoss(i)) },
        { weight: 14, arbitrary: redeem },
        { weight: 8, arbitrary: n.map((i) => new CancelRedemption(i)) },
        { weight: 4, arbitrary: n.map((i) => new Reverse(i)) },
        {
          weight: 4,
          arbitrary: fc.tuple(fc.nat(1), fc.boolean()).map(([a, sub]) => new Claim(a, sub)),
        },
        { weight: 4, arbitrary: n.map((i) => new Submit(i)) },
        { weight: 3, arbitrary: n.map((i) => new Reject(i)) },
        { weight: 10, arbitrary: n.map((i) => new IssueStatement(i)) },
        { weight: 8, arbitrary: n.map((i) => new Approve(i)) },
        {
          weight: 4,
          arbitrary: fc
            .tuple(n, fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const))
            .map(([i, slip]) => new MarkPaid(i, slip)),
        },
        { weight: 5, arbitrary: fc.constant(null).map(() => new PrepareBatch()) },
        { weight: 5, arbitrary: n.map((i) => new ApproveBatch(i)) },
        { weight: 5, arbitrary: n.map((i) => new PayBatch(i)) },
        { weight: 2, arbitrary: n.map((i) => new CancelBatch(i)) },
        { weight: 3, arbitrary: fc.constant(null).map(() => new CutOff()) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.nat(1), fc.constantFrom('expiresOn' as const, 'claimDeadline' as const))
            .map(([p, f]) => new EditPrintedDates(p, f)),
        },
        { weight: 1, arbitrary: fc.nat(1).map((p) => new ExpiryPasses(p)) },
        { weight: 2, arbitrary: fc.nat(1).map((p) => new DeadlinePasses(p)) },
        { weight: 1, arbitrary: fc.constant(null).map(() => new DelayPasses()) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((y) => new Retention(y)) },
      )
      .map(agreeing);
    const commands = [command];

    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: STEPS, size: 'max' }), async (cmds) => {
        const year = Number(today.slice(0, 4));
        const programmes: MProgramme[] = [];
        for (let i = 0; i < 2; i++) {
          const p = await createProgramme(t, {
            budgetCents: 1_000_000_000,
            expiresOn: `${year + 1}-12-31`,
            claimDeadline: `${year + 2}-02-28`,
          });
          programmes.push({ id: p.id, expired: false, deadline: `${year + 2}-02-28` });
        }
        const associations = [];
        for (let i = 0; i < 2; i++) {
          const asso = await createAssociation(t);
          const staff = (await t.userToken('ASSOCIATION', { associationId: asso.id })).token;
          associations.push({ id: asso.id, staff });
        }
        const model: Model = {
          site: (await createSite(t)).id,
          programmes,
          associations,
          booklets: [],
          cheques: new Map(),
          redemptions: [],
          claims: [],
          statements: [],
          batches: [],
          erased: new Set(),
          references: [],
        };
        const real: Real = { t, admin, admin2 };
        // the same start for every run: booklets in both programmes, a statement issued and
        // approved for the first association; for the second, a draft claim and redemptions
        // waiting
        for (const start of [
          new IssueBooklet(0, true),
          new IssueBooklet(1, false),
          new Redeem(0, 0, 0, 2),
          new Redeem(0, 1, 0, 1),
          new Claim(0, true),
          new IssueStatement(0),
          new Approve(0),
          new Redeem(1, 0, 5, 3),
          new Redeem(1, 1, 5, 1),
          new Claim(1, false),
          new Redeem(1, 0, 8, 2),
        ])
          await agreeing(start).run(model, real);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { seed: SEED, numRuns: RUNS, verbose: 1, endOnFailure: true },
    );
    // the runs reached every kind of action (otherwise the test proves little)
    process.stdout.write(
      `\nmodel-based test: ${[...seen.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
    );
    for (const kind of [
      'issueBooklet',
      'printRun',
      'handover',
      'reportLoss',
      'cancelBooklet',
      'redeem',
      'cancelRedemption',
      'reverse',
      'claim',
      'submit',
      'reject',
      'issueStatement',
      'approve',
      'markPaid',
      'prepareBatch',
      'approveBatch',
      'payBatch',
      'cancelBatch',
      'cutOff',
      'editPrintedDates',
      'expiryPasses',
      'deadlinePasses',
      'delayPasses',
      'retention',
    ])
      expect({ kind, reached: (seen.get(kind) ?? 0) > 0 }).toEqual({ kind, reached: true });
  });
});
