import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first row whose hash or link does not match, if any. */
  firstBadId?: string;
  reason?: string;
}

export interface StatementsVerification {
  checked: number;
  /** Numbers of issued statements whose content no longer matches the hash sealed at issue. */
  broken: string[];
}

/** The whole record: the audit chain, and every issued statement against its sealed hash. */
export interface IntegrityVerification extends AuditVerification {
  statementsChecked: number;
  brokenStatements: string[];
}

/**
 * Recomputes each issued statement's SHA-256 from its canonical content (header and lines, as the
 * database function statement_canonical renders it) and compares it with the hash sealed at issue.
 */
export async function verifySealedStatements(
  dataSource: DataSource,
): Promise<StatementsVerification> {
  const [row]: { checked: number; broken: string[] | null }[] = await dataSource.query(
    `SELECT count(*)::int AS checked,
            array_agg(number ORDER BY number) FILTER (
              WHERE content_hash <> encode(sha256(convert_to(statement_canonical(id), 'UTF8')), 'hex')
            ) AS broken
       FROM statement`,
  );
  return { checked: row.checked, broken: row.broken ?? [] };
}

export async function verifyIntegrity(dataSource: DataSource): Promise<IntegrityVerification> {
  const chain = await verifyAuditChain(dataSource);
  const statements = await verifySealedStatements(dataSource);
  return {
    ...chain,
    ok: chain.ok && statements.broken.length === 0,
    statementsChecked: statements.checked,
    brokenStatements: statements.broken,
  };
}

/**
 * Walks the audit chain in id order: each row's hash must be SHA-256 of its canonical content
 * (as the database function audit_event_canonical renders it) and each prev_hash the previous
 * row's hash. Reads in pages, so a long history is verified in constant memory.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  pageSize = 5000,
): Promise<AuditVerification> {
  let prev = GENESIS_HASH;
  let lastId = '0';
  let checked = 0;
  for (;;) {
    const rows: { id: string; prev_hash: string; hash: string; canonical: string }[] =
      await dataSource.query(
        `SELECT e.id::text AS id, e.prev_hash, e.hash, audit_event_canonical(e) AS canonical
           FROM audit_event e WHERE e.id > $1 ORDER BY e.id LIMIT $2`,
        [lastId, pageSize],
      );
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      if (row.prev_hash !== prev) {
        return {
          ok: false,
          checked,
          firstBadId: row.id,
          reason: 'prev_hash does not match the previous row',
        };
      }
      const expected = createHash('sha256').update(row.canonical, 'utf8').digest('hex');
      if (row.hash !== expected) {
        return {
          ok: false,
          checked,
          firstBadId: row.id,
          reason: 'hash does not match the row content',
        };
      }
      prev = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}
