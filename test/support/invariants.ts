import request from 'supertest';
import type { TestApp } from './app';

/**
 * The money invariants, read straight from the database (not through the code under test), per
 * cheque, redemption, statement and batch. Returns what is violated: [] when all hold.
 */
const CHECKS: [string, string][] = [
  [
    'a cheque is REDEEMED exactly when it has an active redemption line',
    `SELECT c.id FROM cheque c
      WHERE (c.status = 'REDEEMED') <> EXISTS (SELECT 1 FROM redemption_line l WHERE l.cheque_id = c.id AND l.active)`,
  ],
  [
    'a cheque of a cancelled booklet is cancelled or was redeemed before',
    `SELECT c.id FROM cheque c JOIN booklet b ON b.id = c.booklet_id
      WHERE b.status = 'CANCELLED' AND c.status NOT IN ('CANCELLED', 'REDEEMED')`,
  ],
  [
    'no cheque is on two active redemption lines',
    `SELECT cheque_id FROM redemption_line WHERE active GROUP BY cheque_id HAVING count(*) > 1`,
  ],
  [
    "a redemption's total is the sum of its active lines",
    `SELECT r.id FROM redemption r
      WHERE r.status <> 'CANCELLED'
        AND r.total_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM redemption_line l WHERE l.redemption_id = r.id AND l.active)`,
  ],
  [
    "a statement's total is the sum of its lines",
    `SELECT s.id FROM statement s
      WHERE s.total_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM statement_line l WHERE l.statement_id = s.id)`,
  ],
  [
    'no redemption line is on two positive statement lines, nor corrected twice',
    `SELECT redemption_line_id FROM statement_line GROUP BY redemption_line_id, sign(amount_cents) HAVING count(*) > 1`,
  ],
  [
    'a correction line corrects a redemption that was on a statement and then reversed',
    `SELECT sl.id FROM statement_line sl JOIN redemption_line l ON l.id = sl.redemption_line_id JOIN redemption r ON r.id = l.redemption_id
      WHERE sl.amount_cents < 0 AND (r.status <> 'REVERSED'
        OR NOT EXISTS (SELECT 1 FROM statement_line p WHERE p.redemption_line_id = l.id AND p.amount_cents = -sl.amount_cents))`,
  ],
  [
    'a redemption on a claim is on that claim only, and a cancelled redemption on none',
    `SELECT r.id FROM redemption r WHERE r.status = 'CANCELLED' AND r.claim_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM claim c WHERE c.id = r.claim_id AND c.status = 'REJECTED')`,
  ],
  [
    'a statement is in at most one batch not cancelled, for its total, and only if positive and approved or paid',
    `SELECT p.statement_id FROM payment_batch_statement p JOIN statement s ON s.id = p.statement_id
      WHERE NOT p.released AND (p.amount_cents <> s.total_cents OR s.total_cents <= 0 OR s.status = 'ISSUED')
     UNION ALL
     SELECT statement_id FROM payment_batch_statement WHERE NOT released GROUP BY statement_id HAVING count(*) > 1`,
  ],
  [
    "a batch's total and count are its lines'",
    `SELECT b.id FROM payment_batch b
      WHERE (b.total_cents, b.transfer_count) <> (SELECT sum(amount_cents), count(*)::int FROM payment_batch_statement p WHERE p.batch_id = b.id)`,
  ],
  [
    'a paid statement was approved by another person than its issuer',
    `SELECT id FROM statement WHERE status IN ('APPROVED', 'PAID') AND approved_by = issued_by`,
  ],
];

export async function moneyViolations(t: TestApp, programmeIds: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const [what, sql] of CHECKS) {
    const rows = await t.dataSource.query<unknown[]>(sql);
    if (rows.length > 0) found.push(`${what}: ${rows.length} row(s) ${JSON.stringify(rows[0])}`);
  }
  const admin = await t.adminToken();
  for (const id of programmeIds) {
    const r = (
      await request(t.http)
        .get(`/api/programmes/${id}/reconciliation`)
        .set('Authorization', `Bearer ${admin}`)
    ).body as Record<string, number | boolean>;
    for (const k of ['issuedBalanced', 'redeemedBalanced', 'owedBackBalanced'])
      if (r[k] !== true)
        found.push(`programme ${id}: ${k} is ${String(r[k])} ${JSON.stringify(r)}`);
  }
  return found;
}
