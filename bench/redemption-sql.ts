/**
 * The two SQL floors of bench:redeem, as transaction bodies (BEGIN and COMMIT are the caller's),
 * shared by the benchmark and by bench/redeem-explain.ts, which explains each of their statements.
 */
import { randomUUID } from 'node:crypto';

/** What a transaction body sends its statements through: a pg Client, or one that explains them. */
export interface Sql {
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export type Transaction = (c: Sql, code: string) => Promise<void>;

const TODAY = new Date().toISOString().slice(0, 10);

/** Floor 1: the statements the service runs for one redemption, in its order (redemption and line in one). */
export const serviceSequence =
  (userId: string, associationId: string): Transaction =>
  async (c, code) => {
    const key = randomUUID();
    await c.query(
      `INSERT INTO idempotency_key (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'PENDING') ON CONFLICT DO NOTHING RETURNING key`,
      [userId, key, 'x'.repeat(64)],
    );
    await c.query(
      `SELECT 1 FROM accreditation WHERE association_id = $1 AND status = 'ACTIVE' AND valid_from <= $2 AND valid_until >= $2 LIMIT 1`,
      [associationId, TODAY],
    );
    const { rows } = await c.query(
      `SELECT c.id, c.face_value_cents FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id WHERE c.code = ANY($1) FOR UPDATE OF c`,
      [[code]],
    );
    await c.query(
      `UPDATE cheque SET status = 'REDEEMED' WHERE id = ANY($1) AND status = 'ISSUED' RETURNING id`,
      [[rows[0].id]],
    );
    const r = await c.query(
      `WITH r AS (INSERT INTO redemption (association_id, user_id, session_date, activity, total_cents, cheque_count, status) VALUES ($1, $2, $3, 'Smartphone', $4, 1, 'ACTIVE') RETURNING id),
       l AS (INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active) SELECT r.id, $5, $4, true FROM r)
       SELECT id FROM r`,
      [associationId, userId, TODAY, rows[0].face_value_cents, rows[0].id],
    );
    await c.query(
      `INSERT INTO audit_event (action, entity_type, entity_id, after, prev_hash, hash) VALUES ('redemption.created', 'redemption', $1, '{}', '', '')`,
      [r.rows[0].id],
    );
    await c.query(
      `UPDATE idempotency_key SET status = 'COMPLETED', response_status = 201, response_body = '{}' WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
  };

/**
 * Floor 2: what any correct redemption needs, written independently of the service: the cheque
 * taken by a conditional update (exactly once), the redemption, its line and an audit event.
 */
export const minimalRedemption =
  (userId: string, associationId: string): Transaction =>
  async (c, code) => {
    const cheque = await c.query(
      `UPDATE cheque SET status = 'REDEEMED' WHERE code = $1 AND status = 'ISSUED' RETURNING id, face_value_cents`,
      [code],
    );
    if (cheque.rowCount !== 1) throw new Error('not redeemable');
    const { id, face_value_cents: cents } = cheque.rows[0];
    const r = await c.query(
      `INSERT INTO redemption (association_id, user_id, session_date, activity, total_cents, cheque_count, status) VALUES ($1, $2, $3, 'Smartphone', $4, 1, 'ACTIVE') RETURNING id`,
      [associationId, userId, TODAY, cents],
    );
    await c.query(
      `INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active) VALUES ($1, $2, $3, true)`,
      [r.rows[0].id, id, cents],
    );
    await c.query(
      `INSERT INTO audit_event (action, entity_type, entity_id, after, prev_hash, hash) VALUES ('redemption.created', 'redemption', $1, '{}', '', '')`,
      [r.rows[0].id],
    );
  };
