import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { parisToday } from '../common/dates';
import { queryRows } from '../database/sql';
import { ReconciliationDto } from './dto/statement.dto';
import { PENDING_CORRECTION } from './statement.queries';

/**
 * Reconciliation: per programme, to the cent, where every issued cheque's value is, and whether
 * the three equations hold (issued, redeemed, owed back). Read-only, one SQL statement.
 */
@Injectable()
export class ReconciliationService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Per programme, to the cent: where every issued cheque's value is. */
  async reconciliation(
    programmeId: string,
    em: EntityManager = this.dataSource.manager,
  ): Promise<ReconciliationDto> {
    const [r] = await queryRows<Record<string, string>>(
      em,
      `WITH ch AS (
         SELECT c.id, c.status, c.face_value_cents AS v, p.expires_on FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id WHERE p.id = $1),
       rl AS (
         SELECT l.id, l.amount_cents AS v, r.status, r.claim_id, cl.status AS claim_status FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id
           LEFT JOIN claim cl ON cl.id = r.claim_id WHERE l.active AND l.cheque_id IN (SELECT id FROM ch))
       SELECT
         (SELECT coalesce(sum(v), 0) FROM ch) AS issued,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'ISSUED' AND expires_on >= $2::date) AS outstanding,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'ISSUED' AND expires_on < $2::date) AS expired,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'CANCELLED') AS cancelled,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE') AS redeemed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED') AS reversed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_id IS NULL) AS unclaimed,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'ACTIVE' AND claim_status IN ('DRAFT', 'SUBMITTED')) AS on_claims,
         (SELECT coalesce(sum(sl.amount_cents), 0) FROM statement_line sl WHERE sl.amount_cents > 0 AND sl.redemption_line_id IN (SELECT id FROM rl)) AS on_statements,
         (SELECT coalesce(sum(v), 0) FROM ch WHERE status = 'REDEEMED') AS redeemed_cheques,
         (SELECT coalesce(sum(v), 0) FROM rl WHERE status = 'REVERSED'
             AND EXISTS (SELECT 1 FROM statement_line sl WHERE sl.redemption_line_id = rl.id AND sl.amount_cents > 0)) AS owed_back,
         (SELECT coalesce(sum(v), 0) FROM rl l WHERE l.status = 'REVERSED' AND ${PENDING_CORRECTION}) AS corrections_pending,
         (SELECT coalesce(-sum(sl.amount_cents), 0) FROM statement_line sl JOIN statement s ON s.id = sl.statement_id
           WHERE sl.amount_cents < 0 AND s.status <> 'PAID' AND sl.redemption_line_id IN (SELECT id FROM rl)) AS corrections_on_statements,
         (SELECT coalesce(-sum(sl.amount_cents), 0) FROM statement_line sl JOIN statement s ON s.id = sl.statement_id
           WHERE sl.amount_cents < 0 AND s.status = 'PAID' AND sl.redemption_line_id IN (SELECT id FROM rl)) AS corrections_settled,
         -- owed back from before the last cut-off and still on no statement: forgotten
         (SELECT count(*) FROM rl JOIN redemption_line l ON l.id = rl.id JOIN redemption r ON r.id = l.redemption_id
           WHERE rl.status = 'REVERSED' AND ${PENDING_CORRECTION}
             AND r.reversed_at < (SELECT max(at) FROM audit_event WHERE action = 'statements.cut_off')
             -- a submitted claim of the association carries it when issued
             AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.association_id = r.association_id AND c.status = 'SUBMITTED')) AS forgotten`,
      [programmeId, parisToday()],
    );
    const n = (k: string) => Number(r[k]);
    return {
      issuedCents: n('issued'),
      outstandingCents: n('outstanding'),
      redeemedCents: n('redeemed'),
      expiredCents: n('expired'),
      cancelledCents: n('cancelled'),
      unclaimedCents: n('unclaimed'),
      onClaimsCents: n('on_claims'),
      onStatementsCents: n('on_statements'),
      reversedCents: n('reversed'),
      // A reversed redemption's cheque stays consumed: it is counted apart from what is owed.
      issuedBalanced:
        n('issued') ===
          n('outstanding') + n('expired') + n('cancelled') + n('redeemed') + n('reversed') &&
        n('redeemed_cheques') === n('redeemed') + n('reversed'),
      redeemedBalanced:
        n('redeemed') === n('unclaimed') + n('on_claims') + n('on_statements') - n('reversed'),
      owedBackCents: n('owed_back'),
      correctionsPendingCents: n('corrections_pending'),
      correctionsOnStatementsCents: n('corrections_on_statements'),
      correctionsSettledCents: n('corrections_settled'),
      owedBackBalanced:
        n('owed_back') ===
          n('corrections_pending') + n('corrections_on_statements') + n('corrections_settled') &&
        n('forgotten') === 0,
    };
  }
}
