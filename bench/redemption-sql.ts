/**
 * The two SQL floors of bench:redeem, as transaction bodies (BEGIN and COMMIT are the caller's),
 * shared by the benchmark and by bench/redeem-explain.ts, which explains each of their statements.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from 'pg';

/**
 * What a transaction body sends its statements through: a pg client, or one that explains them.
 * `prepared`: as a named prepared statement of the connection, as the service sends its hot
 * statements (src/database/sql.ts, preparedRows).
 */
export interface Sql {
  query(
    text: string,
    params?: unknown[],
    prepared?: boolean,
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** A pg client as a transaction body's `Sql`: prepared statements named by their text's hash. */
export function sqlOf(c: Client): Sql {
  return {
    query: (text, params, prepared) =>
      prepared
        ? c.query({
            name: 'pn_' + createHash('sha256').update(text).digest('hex').slice(0, 24),
            text,
            values: params,
          })
        : c.query(text, params),
  };
}

export type Transaction = (c: Sql, code: string) => Promise<void>;

const TODAY = new Date().toISOString().slice(0, 10);

/**
 * Floor 1: the statements the service runs for one redemption, in its order: the key claimed,
 * the accreditation checked and the cheque locked in one; then the conditional update of the
 * cheque, the redemption, its line, the key's answer and the audit event in one; both prepared,
 * as the service sends them. (The minimal floor below sends plain statements, as the issue
 * measured it.)
 */
export const serviceSequence =
  (userId: string, associationId: string): Transaction =>
  async (c, code) => {
    const key = randomUUID();
    const { rows } = await c.query(
      `WITH k AS (INSERT INTO idempotency_key (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'PENDING') ON CONFLICT DO NOTHING RETURNING key),
       go AS (SELECT EXISTS (SELECT 1 FROM k) AS claimed,
                     EXISTS (SELECT 1 FROM accreditation WHERE association_id = $4 AND status = 'ACTIVE' AND valid_from <= $5::date AND valid_until >= $5::date) AS accredited),
       f AS (SELECT c.id, c.face_value_cents, p.activities,
                    (SELECT r.session_date FROM redemption_line l JOIN redemption r ON r.id = l.redemption_id WHERE l.cheque_id = c.id AND l.active) AS redeemed_on
               FROM cheque c JOIN booklet b ON b.id = c.booklet_id JOIN programme p ON p.id = b.programme_id
              WHERE c.code = ANY($6) AND (SELECT claimed AND accredited FROM go) ORDER BY c.id FOR UPDATE OF c)
       SELECT go.claimed, now() AS now, (SELECT json_agg(f ORDER BY f.id) FROM f) AS facts FROM go`,
      [userId, key, 'x'.repeat(64), associationId, TODAY, [code]],
      true,
    );
    const [cheque] = rows[0].facts as { id: string; face_value_cents: number }[];
    await c.query(
      `WITH flipped AS (UPDATE cheque SET status = 'REDEEMED' WHERE id = ANY($8) AND status = 'ISSUED' RETURNING id),
       r AS (INSERT INTO redemption (id, association_id, user_id, session_date, activity, total_cents, cheque_count, status) VALUES ($1, $2, $3, $4, 'Smartphone', $5, 1, 'ACTIVE') RETURNING id),
       l AS (INSERT INTO redemption_line (redemption_id, cheque_id, amount_cents, active) SELECT r.id, $6, $5, true FROM r),
       k AS (UPDATE idempotency_key SET status = 'COMPLETED', response_status = 201, response_body = '{}' WHERE user_id = $3 AND key = $7),
       a AS (INSERT INTO audit_event (action, entity_type, entity_id, after, prev_hash, hash) VALUES ('redemption.created', 'redemption', $1, '{}', '', ''))
       SELECT coalesce((SELECT array_agg(id) FROM flipped), '{}') AS flipped`,
      [
        randomUUID(),
        associationId,
        userId,
        TODAY,
        cheque.face_value_cents,
        cheque.id,
        key,
        [cheque.id],
      ],
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
