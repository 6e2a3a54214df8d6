import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';

/** The SQL of claims and statements, as named functions: the services keep only the rules. */

/**
 * The lines a claim becomes: its active redemptions' cheques (positive), then the corrections of
 * this association's reversed redemptions not yet corrected (negative, naming the statement they
 * correct). $1 claim id, $2 association id.
 */
const LINES_SQL = `
  SELECT 0 AS kind, l.id AS redemption_line_id, r.session_date, r.activity,
         b.number AS booklet_number, c.position AS cheque_position, l.amount_cents, NULL::varchar AS corrects,
         b.programme_id
    FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id AND l.active
    JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
   WHERE r.claim_id = $1 AND r.status = 'ACTIVE'
  UNION ALL
  SELECT 1, l.id, r.session_date, r.activity, b.number, c.position, -l.amount_cents, s.number, b.programme_id
    FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
    JOIN statement_line sl ON sl.redemption_line_id = l.id AND sl.amount_cents > 0
    JOIN statement s ON s.id = sl.statement_id
    JOIN cheque c ON c.id = l.cheque_id JOIN booklet b ON b.id = c.booklet_id
   WHERE r.association_id = $2 AND r.status = 'REVERSED'
     AND NOT EXISTS (SELECT 1 FROM statement_line n WHERE n.redemption_line_id = l.id AND n.amount_cents < 0)`;

/** On a positive statement line, and on no correction line yet: owed back, not yet carried. */
export const PENDING_CORRECTION = `EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = l.id AND sl.amount_cents > 0)
  AND NOT EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = l.id AND sl.amount_cents < 0)`;

/** Associations with unclaimed redemptions up to `periodEnd` or corrections pending, in id order. */
export async function associationsToCut(em: EntityManager, periodEnd: string): Promise<string[]> {
  const rows = await queryRows<{ association_id: string }>(
    em,
    `SELECT association_id FROM redemption WHERE status = 'ACTIVE' AND claim_id IS NULL AND session_date <= $1
     UNION
     SELECT r.association_id FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
      WHERE r.status = 'REVERSED' AND ${PENDING_CORRECTION}
     ORDER BY 1`,
    [periodEnd],
  );
  return rows.map((r) => r.association_id);
}

/** How many corrections an association owes, and how many submitted claims it has open. */
export async function owedCorrections(
  em: EntityManager,
  associationId: string,
): Promise<{ owed: number; open: number }> {
  const [row] = await queryRows<{ owed: number; open: number }>(
    em,
    `SELECT (SELECT count(*) FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id
              WHERE r.association_id = $1 AND r.status = 'REVERSED' AND ${PENDING_CORRECTION})::int AS owed,
            (SELECT count(*) FROM claim WHERE association_id = $1 AND status = 'SUBMITTED')::int AS open`,
    [associationId],
  );
  return row;
}

/** The association's unclaimed ACTIVE redemptions up to `upTo`, with their programmes' earliest claim deadline. */
export async function claimCandidates(
  em: EntityManager,
  associationId: string,
  upTo: string,
): Promise<{ id: string; claimDeadline: string }[]> {
  const rows = await queryRows<{ id: string; claim_deadline: string }>(
    em,
    `SELECT r.id, min(p.claim_deadline)::text AS claim_deadline
       FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
       JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
      WHERE r.association_id = $1 AND r.status = 'ACTIVE' AND r.claim_id IS NULL AND r.session_date <= $2
      GROUP BY r.id`,
    [associationId, upTo],
  );
  return rows.map((r) => ({ id: r.id, claimDeadline: r.claim_deadline }));
}

/** The earliest claim deadline of the programmes whose cheques are on a claim (null: none). */
export async function claimDeadline(em: EntityManager, claimId: string): Promise<string | null> {
  const [{ deadline }] = await queryRows<{ deadline: string | null }>(
    em,
    `SELECT min(p.claim_deadline)::text AS deadline
       FROM redemption r JOIN redemption_line l ON l.redemption_id = r.id JOIN cheque c ON c.id = l.cheque_id
       JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
      WHERE r.claim_id = $1`,
    [claimId],
  );
  return deadline;
}

export interface IssueSums {
  total: string;
  lines: number;
  period_from: string | null;
  period_to: string | null;
}

/** Computes a claim's lines once, into a temporary table dropped at commit; returns their sums. */
export async function computeIssueLines(
  em: EntityManager,
  claimId: string,
  associationId: string,
): Promise<IssueSums> {
  await em.query(`CREATE TEMP TABLE issue_lines ON COMMIT DROP AS ${LINES_SQL}`, [
    claimId,
    associationId,
  ]);
  const [sums] = await queryRows<IssueSums>(
    em,
    `SELECT coalesce(sum(amount_cents), 0)::bigint AS total, count(*)::int AS lines,
            min(session_date) FILTER (WHERE kind = 0)::text AS period_from, max(session_date) FILTER (WHERE kind = 0)::text AS period_to
       FROM issue_lines`,
  );
  return sums;
}

/** The next statement number of the year, under the counter's row lock (gapless). */
export async function nextStatementSeq(em: EntityManager, year: number): Promise<number> {
  const [{ last_seq }] = await queryRows<{ last_seq: number }>(
    em,
    `INSERT INTO statement_counter (year, last_seq) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last_seq = statement_counter.last_seq + 1 RETURNING last_seq`,
    [year],
  );
  return last_seq;
}

export interface NewStatement {
  number: string;
  year: number;
  seq: number;
  claimId: string;
  association: {
    id: string;
    name: string;
    siret: string;
    address: string;
    iban: string;
    bic: string | null;
  };
  sums: IssueSums;
  issuedBy: string;
}

/**
 * The budget imputation of the lines in `issue_lines`: per programme, its imputation and legal
 * basis as set now and the amount charged to it (programme name order).
 */
const IMPUTATIONS_SQL = `
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'programmeId', p.id, 'programmeName', p.name, 'chapter', p.budget_chapter, 'article', p.budget_article,
           'function', p.budget_function, 'service', p.budget_service, 'legalBasis', p.legal_basis,
           'legalBasisDate', p.legal_basis_date, 'amountCents', i.amount) ORDER BY p.name, p.id), '[]'::jsonb)
    FROM (SELECT programme_id, sum(amount_cents) AS amount FROM issue_lines GROUP BY programme_id) i
    JOIN programme p ON p.id = i.programme_id`;

/** Inserts the statement and its lines (from `issue_lines`), then seals its content hash. */
export async function insertStatement(em: EntityManager, s: NewStatement): Promise<string> {
  const [statement] = await queryRows<{ id: string }>(
    em,
    `INSERT INTO statement (number, year, seq, claim_id, association_id, association_name, association_siret, association_address,
                            association_iban, association_bic, period_from, period_to, total_cents, line_count, content_hash, status, issued_by, imputations)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '', 'ISSUED', $15, (${IMPUTATIONS_SQL})) RETURNING id`,
    [
      s.number,
      s.year,
      s.seq,
      s.claimId,
      s.association.id,
      s.association.name,
      s.association.siret,
      s.association.address,
      s.association.iban,
      s.association.bic,
      s.sums.period_from,
      s.sums.period_to,
      s.sums.total,
      s.sums.lines,
      s.issuedBy,
    ],
  );
  await em.query(
    `INSERT INTO statement_line (statement_id, line_no, redemption_line_id, session_date, activity,
                                 booklet_number, cheque_position, amount_cents, corrects_statement_number)
     SELECT $1, row_number() OVER (ORDER BY kind, session_date, booklet_number, cheque_position), redemption_line_id,
            session_date, activity, booklet_number, cheque_position, amount_cents, corrects
       FROM issue_lines`,
    [statement.id],
  );
  await em.query(
    `UPDATE statement SET content_hash = encode(sha256(convert_to(statement_canonical(id), 'UTF8')), 'hex') WHERE id = $1`,
    [statement.id],
  );
  return statement.id;
}

/** The number of the live (not cancelled) payment batch of each of these statements. */
export async function batchNumbers(
  em: EntityManager,
  statementIds: string[],
): Promise<Map<string, string>> {
  // A read of payment-batches' table: the statement's status says it is in a batch, this names it.
  const rows = await queryRows<{ statement_id: string; number: string }>(
    em,
    `SELECT p.statement_id, b.number FROM payment_batch_statement p JOIN payment_batch b ON b.id = p.batch_id
      WHERE p.statement_id = ANY($1) AND NOT p.released`,
    [statementIds],
  );
  return new Map(rows.map((r) => [r.statement_id, r.number]));
}

/** Moves statements between the batch statuses (the database checks the batch is in step). */
export async function setBatchStatus(
  em: EntityManager,
  statementIds: string[],
  from: string,
  to: string,
): Promise<number> {
  const rows = await queryRows(
    em,
    `UPDATE statement SET status = $3 WHERE id = ANY($1::uuid[]) AND status = $2 RETURNING id`,
    [statementIds, from, to],
  );
  return rows.length;
}

/** The statement that already records this mandate number, if any. */
export async function statementWithMandateNumber(
  em: EntityManager,
  mandate: string,
): Promise<string | null> {
  const [row] = await queryRows<{ number: string }>(
    em,
    `SELECT number FROM statement WHERE mandate_number = $1`,
    [mandate],
  );
  return row?.number ?? null;
}

/** The statement that already records this payment reference, if any. */
export async function statementWithPaymentReference(
  em: EntityManager,
  reference: string,
): Promise<string | null> {
  const [row] = await queryRows<{ number: string }>(
    em,
    `SELECT number FROM statement WHERE payment_reference = $1`,
    [reference],
  );
  return row?.number ?? null;
}

/** Whether a statement was issued from this claim. */
export async function claimHasStatement(em: EntityManager, claimId: string): Promise<boolean> {
  const rows = await queryRows(em, `SELECT 1 FROM statement WHERE claim_id = $1`, [claimId]);
  return rows.length > 0;
}

export interface StatementLineRow {
  line_no: number;
  session_date: string;
  activity: string;
  booklet_number: string;
  cheque_position: number;
  amount_cents: string;
  corrects_statement_number: string | null;
}

/** A statement's lines after `afterLineNo`, in order, at most `limit` (keyset paging). */
export function statementLines(
  em: EntityManager,
  statementId: string,
  afterLineNo: number,
  limit: number,
): Promise<StatementLineRow[]> {
  return queryRows<StatementLineRow>(
    em,
    `SELECT line_no, session_date::text, activity, booklet_number, cheque_position, amount_cents, corrects_statement_number
       FROM statement_line WHERE statement_id = $1 AND line_no > $2 ORDER BY line_no LIMIT $3`,
    [statementId, afterLineNo, limit],
  );
}

/** A statement's lines in order, `size` at a time (keyset paging, constant memory). */
export async function* linePages(
  em: EntityManager,
  statementId: string,
  size = 5000,
): AsyncGenerator<StatementLineRow[]> {
  let after = 0;
  for (;;) {
    const rows = await statementLines(em, statementId, after, size);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].line_no;
  }
}

/**
 * Which of these statements' associations had their bank details confirmed changed in the 30
 * days before the statement's approval (or before now, for one not yet approved): the approver
 * checks the details against the bank-details document (a read of associations' table).
 */
export async function recentBankChanges(
  em: EntityManager,
  statementIds: string[],
): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(
    em,
    `SELECT s.id FROM statement s
      WHERE s.id = ANY($1::uuid[]) AND EXISTS (
        SELECT 1 FROM bank_details_change c WHERE c.association_id = s.association_id AND c.status = 'CONFIRMED'
           AND c.decided_at <= coalesce(s.approved_at, now()) AND c.decided_at > coalesce(s.approved_at, now()) - interval '30 days')`,
    [statementIds],
  );
  return new Set(rows.map((r) => r.id));
}

export interface PaymentTrackRow {
  claim_id: string;
  association_id: string;
  association_name: string;
  up_to: string;
  claim_status: string;
  submitted_at: Date | null;
  total_cents: string;
  statement_id: string | null;
  statement_number: string | null;
  statement_status: string | null;
  issued_at: Date | null;
  approved_at: Date | null;
  batch_number: string | null;
  in_batch_at: Date | null;
  sent_at: Date | null;
  paid_on: string | null;
  mandate_number: string | null;
  days_since_approval: number | null;
}

/**
 * Where each claim's money stands, newest first: submitted, issued, approved, in a batch, sent to
 * the finance department, paid (reads of payment-batches' tables). `associationId` scopes it;
 * `lateAfterDays` keeps only approved statements unpaid for longer than that.
 */
export function paymentTrack(
  em: EntityManager,
  filter: { associationId?: string; lateAfterDays?: number; limit: number },
): Promise<PaymentTrackRow[]> {
  return queryRows<PaymentTrackRow>(
    em,
    `SELECT c.id AS claim_id, c.association_id, a.name AS association_name, c.up_to::text, c.status AS claim_status,
            c.submitted_at, coalesce(s.total_cents, c.total_cents) AS total_cents,
            s.id AS statement_id, s.number AS statement_number, s.status AS statement_status, s.issued_at, s.approved_at,
            b.number AS batch_number, b.prepared_at AS in_batch_at, b.sent_at, s.paid_on::text, s.mandate_number,
            CASE WHEN s.approved_at IS NULL THEN NULL
                 ELSE (coalesce(s.paid_on, (now() AT TIME ZONE 'Europe/Paris')::date) - (s.approved_at AT TIME ZONE 'Europe/Paris')::date) END AS days_since_approval
       FROM claim c JOIN association a ON a.id = c.association_id
       LEFT JOIN statement s ON s.claim_id = c.id
       LEFT JOIN payment_batch_statement p ON p.statement_id = s.id AND NOT p.released
       LEFT JOIN payment_batch b ON b.id = p.batch_id
      WHERE c.status IN ('SUBMITTED', 'ISSUED')
        AND ($1::uuid IS NULL OR c.association_id = $1)
        AND ($2::int IS NULL OR (s.status <> 'PAID' AND s.approved_at IS NOT NULL
             AND (now() AT TIME ZONE 'Europe/Paris')::date - (s.approved_at AT TIME ZONE 'Europe/Paris')::date > $2))
      ORDER BY coalesce(c.submitted_at, c.created_at) DESC
      LIMIT $3`,
    [filter.associationId ?? null, filter.lateAfterDays ?? null, filter.limit],
  );
}
