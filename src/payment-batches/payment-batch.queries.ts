import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import type { MandateColumn } from './payment-batch.entity';
import type { StatementImputation } from '../statements/statement.entity';

/** The SQL of payment batches, as named functions: the service keeps only the rules. */

/**
 * Statements a batch may take: approved, not paid, with a positive total (a zero statement pays
 * nothing; a correction statement is a sum owed back, recovered by a titre de recette, never a
 * transfer), and in no batch that is not cancelled.
 */
const PAYABLE = `s.status = 'APPROVED' AND s.total_cents > 0
  AND NOT EXISTS (SELECT 1 FROM payment_batch_statement p WHERE p.statement_id = s.id AND NOT p.released)`;

/** The payable statements (all, or those asked for), locked, in number order. */
export function lockPayableStatements(
  em: EntityManager,
  wanted: string[] | null,
): Promise<
  { id: string; number: string; total_cents: string; imputations: StatementImputation[] }[]
> {
  return queryRows(
    em,
    `SELECT s.id, s.number, s.total_cents, s.imputations FROM statement s
      WHERE ${PAYABLE} AND ($1::uuid[] IS NULL OR s.id = ANY($1::uuid[]))
      ORDER BY s.year, s.seq FOR UPDATE OF s`,
    [wanted],
  );
}

/** The next batch number of the year, under the counter's row lock (gapless). */
export async function nextBatchSeq(em: EntityManager, year: number): Promise<number> {
  const [{ last_seq }] = await queryRows<{ last_seq: number }>(
    em,
    `INSERT INTO payment_batch_counter (year, last_seq) VALUES ($1, 1)
     ON CONFLICT (year) DO UPDATE SET last_seq = payment_batch_counter.last_seq + 1 RETURNING last_seq`,
    [year],
  );
  return last_seq;
}

/** A batch's lines: each statement with its total as the amount to transfer. */
export async function insertBatchLines(
  em: EntityManager,
  batchId: string,
  statementIds: string[],
): Promise<void> {
  await em.query(
    `INSERT INTO payment_batch_statement (batch_id, statement_id, amount_cents)
     SELECT $1, s.id, s.total_cents FROM statement s WHERE s.id = ANY($2::uuid[])`,
    [batchId, statementIds],
  );
}

/** Frees a cancelled batch's statements for another batch (the database allows it only then). */
export async function releaseBatchLines(em: EntityManager, batchId: string): Promise<void> {
  await em.query(`UPDATE payment_batch_statement SET released = true WHERE batch_id = $1`, [
    batchId,
  ]);
}

/** Fingerprints the mandates file of a batch approved before it existed (once: the guard says so). */
export async function sealMandates(
  em: EntityManager,
  batchId: string,
  columns: MandateColumn[],
  hash: string,
): Promise<{ columns: MandateColumn[]; sha256: string }> {
  await em.query(
    `UPDATE payment_batch SET mandate_columns = $2, mandates_sha256 = $3 WHERE id = $1 AND mandates_sha256 IS NULL`,
    [batchId, JSON.stringify(columns), hash],
  );
  const [row] = await queryRows<{ mandate_columns: MandateColumn[]; mandates_sha256: string }>(
    em,
    `SELECT mandate_columns, mandates_sha256 FROM payment_batch WHERE id = $1`,
    [batchId],
  );
  return { columns: row.mandate_columns, sha256: row.mandates_sha256 };
}

/**
 * Fingerprints the documents zip at its first download; returns the fingerprint kept (another
 * download may have sealed it first).
 */
export async function sealDocuments(
  em: EntityManager,
  batchId: string,
  hash: string,
): Promise<string> {
  await em.query(
    `UPDATE payment_batch SET documents_sha256 = $2 WHERE id = $1 AND documents_sha256 IS NULL`,
    [batchId, hash],
  );
  const [row] = await queryRows<{ documents_sha256: string }>(
    em,
    `SELECT documents_sha256 FROM payment_batch WHERE id = $1`,
    [batchId],
  );
  return row.documents_sha256;
}

/** How many statements of each batch are paid. */
export async function paidCounts(
  em: EntityManager,
  batchIds: string[],
): Promise<Map<string, number>> {
  const rows = await queryRows<{ batch_id: string; paid: number }>(
    em,
    `SELECT p.batch_id, count(*) FILTER (WHERE s.status = 'PAID')::int AS paid
       FROM payment_batch_statement p JOIN statement s ON s.id = p.statement_id
      WHERE p.batch_id = ANY($1::uuid[]) AND NOT p.released GROUP BY p.batch_id`,
    [batchIds],
  );
  return new Map(rows.map((r) => [r.batch_id, r.paid]));
}

export interface BatchRow {
  statement_id: string;
  number: string;
  status: string;
  association_name: string;
  association_siret: string;
  association_address: string;
  association_iban: string;
  association_bic: string | null;
  period_from: string | null;
  period_to: string | null;
  imputations: StatementImputation[];
  approved_on: string;
  approver_name: string;
  amount_cents: string;
  paid_on: string | null;
  payment_reference: string | null;
  mandate_number: string | null;
  bank_details_recently_changed: boolean;
}

/**
 * The association's bank details were confirmed changed in the 30 days before the statement's
 * approval (a read of associations' table: the approver and the batch's approver see it).
 */
const RECENT_BANK_CHANGE = `EXISTS (SELECT 1 FROM bank_details_change c WHERE c.association_id = s.association_id
  AND c.status = 'CONFIRMED' AND c.decided_at <= s.approved_at AND c.decided_at > s.approved_at - interval '30 days')`;

/**
 * A batch's statements as frozen on them (identity and bank details at issue, imputation,
 * certifier), in number order, with where their payment stands.
 */
export function batchRows(em: EntityManager, batchId: string): Promise<BatchRow[]> {
  return queryRows<BatchRow>(
    em,
    `SELECT s.id AS statement_id, s.number, s.status, s.association_name, s.association_siret, s.association_address,
            s.association_iban, s.association_bic, s.period_from::text, s.period_to::text, s.imputations,
            (s.approved_at AT TIME ZONE 'Europe/Paris')::date::text AS approved_on, s.approver_name, p.amount_cents,
            s.paid_on::text, s.payment_reference, s.mandate_number,
            ${RECENT_BANK_CHANGE} AS bank_details_recently_changed
       FROM payment_batch_statement p JOIN statement s ON s.id = p.statement_id
      WHERE p.batch_id = $1 ORDER BY s.year, s.seq`,
    [batchId],
  );
}
