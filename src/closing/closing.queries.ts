import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { PENDING_CORRECTION } from '../statements/statement.queries';

/** What a programme's closing reads: its booklets, what is still pending, what was paid. */

export interface ProgrammeCounts {
  booklets_issued: number;
  booklets_handed_over: number;
  booklets_in_stock: number;
  booklets_cancelled: number;
  cheques_issued: number;
  cheques_redeemed: number;
  cheques_expired: number;
  cheques_cancelled: number;
  paid_cents: string;
}

export function programmeCounts(
  em: EntityManager,
  programmeId: string,
): Promise<ProgrammeCounts[]> {
  return queryRows<ProgrammeCounts>(
    em,
    `SELECT
       (SELECT count(*)::int FROM booklet WHERE programme_id = $1) AS booklets_issued,
       (SELECT count(*)::int FROM booklet WHERE programme_id = $1 AND handed_over_at IS NOT NULL) AS booklets_handed_over,
       (SELECT count(*)::int FROM booklet WHERE programme_id = $1 AND status = 'IN_STOCK') AS booklets_in_stock,
       (SELECT count(*)::int FROM booklet WHERE programme_id = $1 AND status = 'CANCELLED') AS booklets_cancelled,
       (SELECT count(*)::int FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.programme_id = $1) AS cheques_issued,
       (SELECT count(*)::int FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.programme_id = $1 AND c.status = 'REDEEMED') AS cheques_redeemed,
       (SELECT count(*)::int FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.programme_id = $1 AND c.status = 'ISSUED') AS cheques_expired,
       (SELECT count(*)::int FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.programme_id = $1 AND c.status = 'CANCELLED') AS cheques_cancelled,
       (SELECT coalesce(sum(sl.amount_cents), 0) FROM statement_line sl
          JOIN statement s ON s.id = sl.statement_id
          JOIN redemption_line l ON l.id = sl.redemption_line_id
          JOIN booklet b ON b.id = l.booklet_id
         WHERE b.programme_id = $1 AND s.status = 'PAID' AND sl.amount_cents > 0) AS paid_cents`,
    [programmeId],
  );
}

export interface Pending {
  open_claims: number;
  statements_issued: number;
  statements_unpaid: number;
  corrections_pending: number;
}

/** What still waits on a programme: claims in progress, statements not paid, corrections not carried. */
export function pending(em: EntityManager, programmeId: string): Promise<Pending[]> {
  return queryRows<Pending>(
    em,
    `WITH lines AS (
       SELECT l.id, l.redemption_id FROM redemption_line l JOIN booklet b ON b.id = l.booklet_id
        WHERE b.programme_id = $1 AND l.active)
     SELECT
       (SELECT count(DISTINCT c.id)::int FROM claim c JOIN redemption r ON r.claim_id = c.id
         WHERE c.status IN ('DRAFT', 'SUBMITTED') AND r.id IN (SELECT redemption_id FROM lines)) AS open_claims,
       (SELECT count(DISTINCT s.id)::int FROM statement s JOIN statement_line sl ON sl.statement_id = s.id
         WHERE s.status = 'ISSUED' AND sl.redemption_line_id IN (SELECT id FROM lines)) AS statements_issued,
       (SELECT count(DISTINCT s.id)::int FROM statement s JOIN statement_line sl ON sl.statement_id = s.id
         WHERE s.status IN ('APPROVED', 'IN_BATCH', 'SENT') AND sl.redemption_line_id IN (SELECT id FROM lines)) AS statements_unpaid,
       (SELECT count(*)::int FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
         WHERE r.status = 'REVERSED' AND l.id IN (SELECT id FROM lines) AND ${PENDING_CORRECTION}) AS corrections_pending`,
    [programmeId],
  );
}
