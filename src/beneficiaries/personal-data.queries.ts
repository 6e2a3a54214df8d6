import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';

/** The SQL of personal data (access, erasure, retention), as named functions. */

/**
 * What erasure does: the names and the dossier reference (which points to a social-services file)
 * go; the postal code, age band and need category stay, as they feed only aggregated figures
 * shown under the small-cell rule. Booklets, cheques, redemptions and statements are untouched:
 * the accounting stays whole.
 */
export function eraseBeneficiaries(
  em: EntityManager,
  ids: string[],
): Promise<{ id: string; reference: string; erased_at: Date }[]> {
  return queryRows(
    em,
    `UPDATE beneficiary
        SET first_name = NULL, last_name = NULL, erased_at = now(),
            reference = 'EFFACE-' || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 16))
      WHERE id = ANY($1::uuid[]) AND erased_at IS NULL
      RETURNING id, reference, erased_at`,
    [ids],
  );
}

/** The day after which a beneficiary's data may go: the latest claim deadline of their programmes + N years. */
export async function retainedUntil(
  em: EntityManager,
  beneficiaryId: string,
  years: number,
): Promise<string> {
  const [{ until }] = await queryRows<{ until: string }>(
    em,
    `SELECT (max(p.claim_deadline) + make_interval(years => $2))::date::text AS until
       FROM booklet b JOIN programme p ON p.id = b.programme_id WHERE b.beneficiary_id = $1`,
    [beneficiaryId, years],
  );
  return until;
}

export interface ChequeHistoryRow {
  number: string;
  programme: string;
  status: string;
  issued_at: Date;
  position: number;
  cheque_status: string;
  face_value_cents: string;
  session_date: string | null;
  activity: string | null;
  association_name: string | null;
  amount_cents: string | null;
}

/** A beneficiary's booklets and cheques, with where and when each was used. */
export function chequeHistory(
  em: EntityManager,
  beneficiaryId: string,
): Promise<ChequeHistoryRow[]> {
  return queryRows(
    em,
    `SELECT b.number, p.name AS programme, b.status, b.issued_at, c.position, c.status AS cheque_status,
            c.face_value_cents, r.session_date::text, r.activity, a.name AS association_name, l.amount_cents
       FROM booklet b JOIN programme p ON p.id = b.programme_id
       JOIN cheque c ON c.booklet_id = b.id
       LEFT JOIN redemption_line l ON l.cheque_id = c.id AND l.active
       LEFT JOIN redemption r ON r.id = l.redemption_id
       LEFT JOIN association a ON a.id = r.association_id
      WHERE b.beneficiary_id = $1 ORDER BY b.number, c.position`,
    [beneficiaryId],
  );
}

/** A booklet of the beneficiary that can still be used today, if any. */
export async function usableBooklet(
  em: EntityManager,
  beneficiaryId: string,
  today: string,
): Promise<string | null> {
  const [open] = await queryRows<{ number: string }>(
    em,
    `SELECT b.number FROM booklet b JOIN programme p ON p.id = b.programme_id
      WHERE b.beneficiary_id = $1 AND b.status = 'ACTIVE' AND p.expires_on >= $2
        AND EXISTS (SELECT 1 FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'ISSUED')
      ORDER BY b.number LIMIT 1`,
    [beneficiaryId, today],
  );
  return open?.number ?? null;
}

/** A programme whose accounting records (redeemed cheques of the beneficiary) are still kept. */
export async function keptRecords(
  em: EntityManager,
  beneficiaryId: string,
  years: number,
  today: string,
): Promise<{ programme: string; until: string } | null> {
  const [kept] = await queryRows<{ programme: string; until: string }>(
    em,
    `SELECT p.name AS programme, (p.claim_deadline + make_interval(years => $2))::date::text AS until
       FROM booklet b JOIN programme p ON p.id = b.programme_id
      WHERE b.beneficiary_id = $1 AND (p.claim_deadline + make_interval(years => $2))::date >= $3
        AND EXISTS (SELECT 1 FROM cheque c WHERE c.booklet_id = b.id AND c.status = 'REDEEMED')
      ORDER BY 2 DESC LIMIT 1`,
    [beneficiaryId, years, today],
  );
  return kept ?? null;
}

/** Beneficiaries whose programmes' claim deadlines are all more than N years past, locked. */
export async function lockDueForRetention(
  em: EntityManager,
  years: number,
  today: string,
): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    em,
    `SELECT ben.id FROM beneficiary ben
      WHERE ben.erased_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM booklet b JOIN programme p ON p.id = b.programme_id
                         WHERE b.beneficiary_id = ben.id
                           AND (p.claim_deadline + make_interval(years => $1))::date >= $2::date)
      ORDER BY ben.id FOR UPDATE`,
    [years, today],
  );
  return rows.map((r) => r.id);
}

/** One retention run at a time, across instances: false when another holds it. */
export async function tryRetentionLock(em: EntityManager, lock: number): Promise<boolean> {
  const [{ locked }] = await queryRows<{ locked: boolean }>(
    em,
    'SELECT pg_try_advisory_xact_lock($1) AS locked',
    [lock],
  );
  return locked;
}
