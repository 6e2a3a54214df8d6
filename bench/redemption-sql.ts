/**
 * The two SQL floors of bench:redeem, as transaction bodies (BEGIN and COMMIT are the caller's),
 * shared by the benchmark and by bench/redeem-explain.ts, which explains each of their statements.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { insertRedemptionSql, startRedemptionSql } from '../src/redemptions/redemption.queries';

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
 * Floor 1: the statements the service runs for one redemption, built by the service's own
 * builders (`startRedemptionSql`, `insertRedemptionSql`) and sent prepared, as the service sends
 * them: the lookup limit, the key's claim, the accreditation and the cheque's lock in one; then
 * the cheque's flip, the redemption, its line, the key's answer and the audit event in one. (The
 * minimal floor below sends plain statements, as the issue measured it.)
 */
export const serviceSequence =
  (userId: string, associationId: string): Transaction =>
  async (c, code) => {
    const key = randomUUID();
    const start = startRedemptionSql({
      userId,
      key,
      requestHash: 'x'.repeat(64),
      associationId,
      sessionDate: TODAY,
      codes: [code],
      codesValid: true,
      limit: {
        keys: [`lookup:user:${userId}`, 'lookup:ip:127.0.0.1'],
        limit: 1_000_000,
        windowSeconds: 900,
      },
    });
    const { rows } = await c.query(start.text, start.params, true);
    const [cheque] = rows[0].facts as { id: string; face_value_cents: number }[];
    const id = randomUUID();
    const write = insertRedemptionSql({
      id,
      associationId,
      userId,
      sessionDate: TODAY,
      activity: 'Smartphone',
      workshopPriceCents: null,
      note: null,
      totalCents: cheque.face_value_cents,
      cheques: [{ id: cheque.id, amountCents: cheque.face_value_cents }],
      key: { key, body: {} },
      audit: {
        actor: { id: userId, role: 'ASSOCIATION', associationId, siteIds: [], email: '' },
        entry: { action: 'redemption.created', entityType: 'redemption', entityId: id, after: {} },
      },
    });
    await c.query(write.text, write.params, true);
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
