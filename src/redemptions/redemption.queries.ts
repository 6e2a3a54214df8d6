import type { EntityManager } from 'typeorm';
import { accreditedOn } from '../associations/accreditations.service';
import { auditInsert, AuditEntry } from '../audit/audit.service';
import { redeemChequesSql } from '../booklets/cheques.service';
import { LimitCheck, retryAfterSql } from '../security/rate-limiter.service';
import type { Actor } from '../common/access/role';
import { associationFilter } from '../common/access/scope';
import { preparedRows, queryRows } from '../database/sql';
import { SqlWhere } from '../database/where';
import type { RedemptionQueryDto } from './dto/redemption.dto';
import type { ChequeFacts } from './redemption.rules';

/** The SQL of redemptions, as named functions: the services keep only the rules. */

/** The facts of the cheques whose codes are the array at placeholder `codes`. */
const factsSql = (codes: string) => `
  SELECT c.id, c.code, c.status, c.face_value_cents::int AS face_value_cents, c.position,
         b.number AS booklet_number, b.status AS booklet_status, p.valid_from::text AS valid_from, p.expires_on::text AS expires_on, p.activities,
         (SELECT r.session_date::text FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
           WHERE l.cheque_id = c.id AND l.active) AS redeemed_on
    FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
   WHERE c.code = ANY(${codes})`;

/** The facts of the cheques bearing these codes (absent codes are missing from the answer). */
export function chequeFacts(em: EntityManager, codes: string[]): Promise<ChequeFacts[]> {
  return queryRows<ChequeFacts>(em, factsSql('$1'), [codes]);
}

/** What a redemption's first statement is asked. */
export interface RedemptionStart {
  userId: string;
  key: string;
  requestHash: string;
  associationId: string;
  sessionDate: string;
  codes: string[];
  /** Every code read and none twice: otherwise nothing is locked (the request is refused). */
  codesValid: boolean;
  /** The caller's failed-lookup limit. */
  limit: LimitCheck;
}

/** What it answers. */
export interface RedemptionStarted {
  /** Seconds until the caller's failed-lookup limit frees, or null below it. */
  retryAfter: number | null;
  /** The Idempotency-Key was free and is now this transaction's (false: an earlier request's, or limited). */
  claimed: boolean;
  accredited: boolean;
  /** The transaction's time: the redemption's `created_at` (now() is fixed for a transaction). */
  now: Date;
  /**
   * The facts of the cheques of these codes, locked in ascending id (none unless below the limit,
   * claimed, accredited and with valid codes).
   */
  facts: ChequeFacts[];
}

/**
 * The text and parameters of a redemption's first statement (the benchmark sends the same): the
 * failed-lookup limit first; below it only, the Idempotency-Key claimed (waiting for a concurrent
 * holder of the same key); the association's accreditation for the session's day; and, only if
 * all pass and the codes are valid, the cheques locked in ascending id (the lock order of every
 * money action). Those checks are a one-time condition of the cheques' scan, so the key is claimed
 * before any cheque is locked. Read committed: what this statement reads besides the locked
 * cheques is as it was when the statement began, before any wait for the key; the second
 * statement checks the accreditation again.
 */
export function startRedemptionSql(r: RedemptionStart): { text: string; params: unknown[] } {
  const p = new SqlWhere();
  const v = (value: unknown) => p.next(value);
  const text = `WITH lim AS (SELECT ${retryAfterSql(p, r.limit)} AS retry_after),
     k AS (
       INSERT INTO idempotency_key (user_id, key, request_hash, status)
       SELECT ${v(r.userId)}::uuid, ${v(r.key)}::varchar, ${v(r.requestHash)}::char(64), 'PENDING'
         FROM lim WHERE retry_after IS NULL
       ON CONFLICT DO NOTHING RETURNING key),
     go AS (SELECT lim.retry_after, EXISTS (SELECT 1 FROM k) AS claimed,
                   ${accreditedOn(v(r.associationId), v(r.sessionDate))} AS accredited FROM lim),
     f AS (${factsSql(v(r.codes))}
             AND (SELECT claimed AND accredited AND ${v(r.codesValid)}::boolean FROM go)
            ORDER BY c.id FOR UPDATE OF c)
     SELECT go.retry_after AS "retryAfter", go.claimed, go.accredited, now() AS now,
            (SELECT json_agg(f ORDER BY f.id) FROM f) AS facts
       FROM go`;
  return { text, params: p.params };
}

/** Runs the first statement (prepared once per connection). */
export async function startRedemption(
  em: EntityManager,
  r: RedemptionStart,
): Promise<RedemptionStarted> {
  const { text, params } = startRedemptionSql(r);
  const [row] = await preparedRows<
    Omit<RedemptionStarted, 'facts'> & { facts: ChequeFacts[] | null }
  >(em, text, params);
  return { ...row, facts: row.facts ?? [] };
}

export interface NewRedemption {
  id: string;
  associationId: string;
  userId: string;
  sessionDate: string;
  activity: string;
  workshopPriceCents: number | null;
  note: string | null;
  totalCents: number;
  cheques: { id: string; amountCents: number }[];
  /** The Idempotency-Key claimed by `startRedemption`, completed with this answer. */
  key: { key: string; body: unknown };
  /** The redemption's audit event, by the redeeming actor. */
  audit: { actor: Actor; entry: AuditEntry };
}

/** What the second statement did. */
export interface RedemptionWritten {
  /** The association was still accredited, seen by this statement (else nothing is kept). */
  accredited: boolean;
  /** The cheques that flipped ISSUED → REDEEMED. */
  flipped: string[];
}

/**
 * The text and parameters of a redemption's second statement (the benchmark sends the same):
 * redeems the cheques (ISSUED → REDEEMED, already locked), inserts an ACTIVE redemption and its
 * lines if the association is still accredited (checked again with this statement's own snapshot,
 * which is later than any wait of the first for the key), completes its Idempotency-Key with the
 * answer and records its audit event: one round trip. The caller refuses, and the transaction
 * rolls back, unless the association was accredited and every cheque flipped (they were locked
 * and seen ISSUED). Plain SQL on this hot path (the ORM's save costs more CPU than the statement).
 *
 * Order inside the statement: PostgreSQL runs the sub-statements in its own order (the audit
 * event, whose trigger takes the audit chain's row lock, may go in before the redemption); the
 * line triggers run as each line goes in, the foreign keys' checks (KEY SHARE on the association,
 * the booklets, the user, the redemption) at the statement's end, after the chain's lock. That is
 * free of deadlocks because nothing locks those rows against KEY SHARE: associations and booklets
 * are locked FOR NO KEY UPDATE, and the user's KEY SHARE is held since the first statement (the
 * key's foreign key). See docs/architecture.md, lock order.
 */
export function insertRedemptionSql(r: NewRedemption): { text: string; params: unknown[] } {
  const p = new SqlWhere();
  const v = (value: unknown) => p.next(value);
  const text = `WITH flipped AS (${redeemChequesSql(
    p,
    r.cheques.map((c) => c.id),
  )}),
     r AS (
       INSERT INTO redemption (id, association_id, user_id, session_date, activity, workshop_price_cents, total_cents, cheque_count, note, status)
       SELECT ${v(r.id)}::uuid, ${v(r.associationId)}::uuid, ${v(r.userId)}::uuid, ${v(r.sessionDate)}::date,
              ${v(r.activity)}::varchar, ${v(r.workshopPriceCents)}::bigint, ${v(r.totalCents)}::bigint,
              ${v(r.cheques.length)}::int, ${v(r.note)}::varchar, 'ACTIVE'
        WHERE ${accreditedOn(v(r.associationId), v(r.sessionDate))}
       RETURNING id),
     l AS (
       INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active)
       SELECT r.id, t.c, t.a, true FROM r, unnest(${v(r.cheques.map((c) => c.id))}::uuid[], ${v(r.cheques.map((c) => c.amountCents))}::bigint[]) AS t(c, a)),
     k AS (
       UPDATE idempotency_key SET status = 'COMPLETED', response_status = 201, response_body = ${v(JSON.stringify(r.key.body))}
        WHERE user_id = ${v(r.userId)} AND key = ${v(r.key.key)}),
     a AS (${auditInsert(p, r.audit.actor, r.audit.entry)})
     SELECT EXISTS (SELECT 1 FROM r) AS accredited,
            coalesce((SELECT array_agg(id) FROM flipped), '{}') AS flipped`;
  return { text, params: p.params };
}

/** Runs the second statement (prepared once per connection). */
export async function insertRedemption(
  em: EntityManager,
  r: NewRedemption,
): Promise<RedemptionWritten> {
  const { text, params } = insertRedemptionSql(r);
  const [row] = await preparedRows<RedemptionWritten>(em, text, params);
  return row;
}

/** The programmes and booklets a redemption's active lines touch (to lock them in order). */
export function redemptionScope(
  em: EntityManager,
  redemptionId: string,
): Promise<{ programme_id: string; booklet_id: string }[]> {
  return queryRows(
    em,
    `SELECT DISTINCT b.programme_id, b.id AS booklet_id
       FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
      WHERE l.redemption_id = $1 AND l.active`,
    [redemptionId],
  );
}

/** Deactivates a redemption's lines; returns the cheques they held. */
export async function deactivateLines(em: EntityManager, redemptionId: string): Promise<string[]> {
  const rows = await queryRows<{ cheque_id: string }>(
    em,
    `UPDATE redemption_line SET active = false WHERE redemption_id = $1 AND active RETURNING cheque_id`,
    [redemptionId],
  );
  return rows.map((r) => r.cheque_id);
}

/** The filters of a list or an export, the caller's scope applied. */
export function redemptionFilters(actor: Actor, q: RedemptionQueryDto): SqlWhere {
  return new SqlWhere()
    .add(associationFilter(actor, q.associationId), (p) => `r.association_id = ${p}`)
    .add(q.from, (p) => `r.session_date >= ${p}`)
    .add(q.to, (p) => `r.session_date <= ${p}`)
    .add(q.status, (p) => `r.status = ${p}`)
    .add(q.claimId, (p) => `r.claim_id = ${p}`);
}

export interface RedemptionTotals {
  count: number;
  chequeCount: number;
  totalCents: number;
}

export async function redemptionTotals(
  em: EntityManager,
  where: SqlWhere,
): Promise<RedemptionTotals> {
  const [t] = await queryRows<{ count: number; cheque_count: number; total_cents: string }>(
    em,
    `SELECT count(*)::int AS count, coalesce(sum(cheque_count), 0)::int AS cheque_count, coalesce(sum(total_cents), 0)::bigint AS total_cents FROM redemption r WHERE ${where.sql}`,
    where.params,
  );
  return { count: t.count, chequeCount: t.cheque_count, totalCents: Number(t.total_cents) };
}

/** One page of redemption ids, newest session first (pages of the API are numbered). */
export async function redemptionPageIds(
  em: EntityManager,
  where: SqlWhere,
  limit: number,
  offset: number,
): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    em,
    `SELECT id FROM redemption r WHERE ${where.sql} ORDER BY session_date DESC, created_at DESC, id DESC LIMIT $${where.params.length + 1} OFFSET $${where.params.length + 2}`,
    [...where.params, limit, offset],
  );
  return rows.map((r) => r.id);
}

export type RedemptionChequeRow = { redemption_id: string } & Pick<
  ChequeFacts,
  'code' | 'booklet_number' | 'position' | 'face_value_cents'
>;

/** The cheques of these redemptions, by booklet and position. */
export function redemptionCheques(
  em: EntityManager,
  redemptionIds: string[],
): Promise<RedemptionChequeRow[]> {
  return queryRows(
    em,
    `SELECT l.redemption_id, c.code, b.number AS booklet_number, c.position, l.amount_cents::int AS face_value_cents
       FROM redemption_line l JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
      WHERE l.redemption_id = ANY($1) ORDER BY b.number, c.position`,
    [redemptionIds],
  );
}

export interface ExportRow {
  session_date: string;
  activity: string;
  number: string;
  position: number;
  amount: string;
  status: string;
  id: string;
  created_at: string;
  line_id: string;
  siret: string;
}

/**
 * One page of the export, one row per cheque, paged by key (session date, creation, redemption,
 * position, line): rows added meanwhile never shift a page. The line id makes the key unique: one
 * redemption may hold cheques of several booklets at the same position.
 */
export function exportPage(
  em: EntityManager,
  where: SqlWhere,
  after: ExportRow | null,
  size: number,
): Promise<ExportRow[]> {
  const params = [...where.params];
  let keyClause = 'true';
  if (after) {
    params.push(after.session_date, after.created_at, after.id, after.position, after.line_id);
    const n = params.length;
    keyClause = `(r.session_date, r.created_at, r.id, c.position, l.id) > ($${n - 4}::date, $${n - 3}::timestamptz, $${n - 2}::uuid, $${n - 1}::int, $${n}::uuid)`;
  }
  params.push(size);
  return queryRows(
    em,
    `SELECT r.session_date::text, r.activity, b.number, c.position, l.amount_cents AS amount, r.status, r.id, r.created_at::text AS created_at, l.id AS line_id, a.siret
       FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
       JOIN booklet b ON b.id = c.booklet_id JOIN association a ON a.id = r.association_id
      WHERE ${where.sql} AND ${keyClause}
      ORDER BY r.session_date, r.created_at, r.id, c.position, l.id LIMIT $${params.length}`,
    params,
  );
}

/** Gives a claim the association's unclaimed ACTIVE redemptions among `ids`; returns their totals. */
export async function attachToClaim(
  em: EntityManager,
  claimId: string,
  ids: string[],
): Promise<number[]> {
  const rows = await queryRows<{ total_cents: string }>(
    em,
    `UPDATE redemption SET claim_id = $1 WHERE id = ANY($2) AND claim_id IS NULL AND status = 'ACTIVE' RETURNING total_cents`,
    [claimId, ids],
  );
  return rows.map((r) => Number(r.total_cents));
}

/** Frees the redemptions of a rejected claim; returns how many. */
export async function detachFromClaim(em: EntityManager, claimId: string): Promise<number> {
  const rows = await queryRows(
    em,
    `UPDATE redemption SET claim_id = NULL WHERE claim_id = $1 RETURNING id`,
    [claimId],
  );
  return rows.length;
}
