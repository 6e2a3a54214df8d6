import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';

/** The SQL of stock: where booklets are, what moves them. */

export interface StockBookletRow {
  id: string;
  number: string;
  status: string;
  site_id: string | null;
  transfer_id: string | null;
  programme_id: string;
}

/** The booklets of these numbers, locked (ascending id) for a stock move. */
export function lockBookletsByNumber(
  em: EntityManager,
  numbers: string[],
): Promise<StockBookletRow[]> {
  return queryRows<StockBookletRow>(
    em,
    `SELECT id, number, status, site_id, transfer_id, programme_id FROM booklet
      WHERE number = ANY($1::varchar[]) ORDER BY id FOR NO KEY UPDATE`,
    [numbers],
  );
}

/** Puts booklets in transit with a transfer (they stay stock of the sending site until received). */
export async function markInTransit(
  em: EntityManager,
  transferId: string,
  bookletIds: string[],
): Promise<void> {
  await em.query(
    `INSERT INTO stock_transfer_booklet (transfer_id, booklet_id) SELECT $1, unnest($2::uuid[])`,
    [transferId, bookletIds],
  );
  await em.query(`UPDATE booklet SET transfer_id = $1 WHERE id = ANY($2::uuid[])`, [
    transferId,
    bookletIds,
  ]);
}

/** On receipt: the transfer's booklets still in stock become stock of the receiving site. */
export async function receiveBooklets(
  em: EntityManager,
  transferId: string,
  siteId: string,
): Promise<number> {
  await em.query(`SELECT id FROM booklet WHERE transfer_id = $1 ORDER BY id FOR NO KEY UPDATE`, [
    transferId,
  ]);
  const rows = await queryRows<{ id: string }>(
    em,
    `UPDATE booklet SET site_id = $2, transfer_id = NULL
      WHERE transfer_id = $1 AND status = 'IN_STOCK' RETURNING id`,
    [transferId, siteId],
  );
  return rows.length;
}

/** Booklets reported lost from stock: CANCELLED with the report's reason (cheques done before). */
export async function cancelStock(
  em: EntityManager,
  ids: string[],
  loss: { reason: string; comment: string; by: string },
): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    em,
    `UPDATE booklet SET status = 'CANCELLED', cancel_reason = $2, cancel_comment = $3,
            cancelled_at = now(), cancelled_by = $4, transfer_id = NULL
      WHERE id = ANY($1::uuid[]) AND status = 'IN_STOCK' RETURNING id`,
    [ids, loss.reason, loss.comment, loss.by],
  );
  return rows.length;
}

export interface TransferRow {
  id: string;
  from_site_id: string;
  from_site_name: string;
  to_site_id: string;
  to_site_name: string;
  status: 'IN_TRANSIT' | 'RECEIVED';
  booklet_count: number;
  sent_at: Date;
  received_at: Date | null;
  numbers: string[];
  total: number;
}

/** Transfers touching these sites (all when null), newest first. */
export function transfers(
  em: EntityManager,
  q: {
    sites: string[] | null;
    status: string | null;
    id: string | null;
    limit: number;
    offset: number;
  },
): Promise<TransferRow[]> {
  return queryRows<TransferRow>(
    em,
    `SELECT t.id, t.from_site_id, f.name AS from_site_name, t.to_site_id, d.name AS to_site_name,
            t.status, t.booklet_count, t.sent_at, t.received_at,
            ARRAY(SELECT b.number FROM stock_transfer_booklet tb JOIN booklet b ON b.id = tb.booklet_id
                   WHERE tb.transfer_id = t.id ORDER BY b.number) AS numbers,
            count(*) OVER ()::int AS total
       FROM stock_transfer t
       JOIN distribution_site f ON f.id = t.from_site_id
       JOIN distribution_site d ON d.id = t.to_site_id
      WHERE ($1::uuid[] IS NULL OR t.from_site_id = ANY($1) OR t.to_site_id = ANY($1))
        AND ($2::varchar IS NULL OR t.status = $2)
        AND ($3::uuid IS NULL OR t.id = $3)
      ORDER BY t.sent_at DESC, t.id LIMIT $4 OFFSET $5`,
    [q.sites, q.status, q.id, q.limit, q.offset],
  );
}

export interface StockRow {
  site_id: string;
  site_name: string;
  programme_id: string;
  programme_name: string;
  in_stock: number;
  in_transit: number;
  handed_out: number;
  started: number;
  cancelled: number;
  aged: number;
  oldest_days: number | null;
}

/**
 * Booklets per site and programme: in stock (kept there), in transit (sent, not yet received),
 * handed out (and started: one cheque redeemed at least), cancelled; aged = in stock since printing
 * for more than `ageingDays`.
 */
export function stock(
  em: EntityManager,
  sites: string[] | null,
  ageingDays: number,
): Promise<StockRow[]> {
  return queryRows<StockRow>(
    em,
    `SELECT s.id AS site_id, s.name AS site_name, p.id AS programme_id, p.name AS programme_name,
            count(*) FILTER (WHERE b.status = 'IN_STOCK' AND b.transfer_id IS NULL)::int AS in_stock,
            count(*) FILTER (WHERE b.status = 'IN_STOCK' AND b.transfer_id IS NOT NULL)::int AS in_transit,
            count(*) FILTER (WHERE b.status = 'ACTIVE')::int AS handed_out,
            count(*) FILTER (WHERE b.status = 'ACTIVE' AND EXISTS (
              SELECT 1 FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'REDEEMED'))::int AS started,
            count(*) FILTER (WHERE b.status = 'CANCELLED')::int AS cancelled,
            count(*) FILTER (WHERE b.status = 'IN_STOCK' AND b.issued_at < now() - make_interval(days => $2))::int AS aged,
            (max(extract(day FROM now() - b.issued_at)) FILTER (WHERE b.status = 'IN_STOCK'))::int AS oldest_days
       FROM booklet b
       JOIN distribution_site s ON s.id = b.site_id
       JOIN programme p ON p.id = b.programme_id
      WHERE ($1::uuid[] IS NULL OR b.site_id = ANY($1))
      GROUP BY s.id, s.name, p.id, p.name
      ORDER BY s.name, p.name`,
    [sites, ageingDays],
  );
}

export interface EndingRow {
  site_name: string | null;
  in_stock: number;
  active_with_unused: number;
  unused_cheques: number;
}

/**
 * For a programme about to end: its stock not handed out, per site; and its booklets handed out
 * whose cheques are not all used (the row without a site counts those issued directly).
 */
export function ending(em: EntityManager, programmeId: string): Promise<EndingRow[]> {
  return queryRows<EndingRow>(
    em,
    `SELECT s.name AS site_name,
            count(*) FILTER (WHERE b.status = 'IN_STOCK')::int AS in_stock,
            count(*) FILTER (WHERE b.status = 'ACTIVE' AND u.n > 0)::int AS active_with_unused,
            coalesce(sum(u.n) FILTER (WHERE b.status = 'ACTIVE'), 0)::int AS unused_cheques
       FROM booklet b
       LEFT JOIN distribution_site s ON s.id = b.site_id
       CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'ISSUED') u
      WHERE b.programme_id = $1 AND b.status <> 'CANCELLED'
      GROUP BY s.name ORDER BY s.name NULLS LAST`,
    [programmeId],
  );
}

/** Booklets of a programme by status. */
export function bookletStatuses(
  em: EntityManager,
  programmeId: string,
): Promise<{ status: string; n: number }[]> {
  return queryRows(
    em,
    `SELECT status, count(*)::int AS n FROM booklet WHERE programme_id = $1 GROUP BY status`,
    [programmeId],
  );
}
