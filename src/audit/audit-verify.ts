import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

export const GENESIS_HASH = '0'.repeat(64);

/** What verification reads through: the data source, or one connection inside a transaction. */
export type Queryable = Pick<DataSource, 'query'>;

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first row whose hash or link does not match, if any (none when a chain lost every event). */
  firstBadId?: string;
  /** The audit chain it belongs to. */
  chain?: number;
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

interface ChainRow {
  id: string;
  seq: string;
  prev_hash: string;
  hash: string;
  canonical: string;
}

interface ChainBreak {
  /** The event named; undefined when a chain lost every event. */
  id?: string;
  reason: string;
  chain: number;
}

/**
 * Walks one chain in seq order: numbers 1, 2, 3… without a gap, each prev_hash the previous
 * event's hash (the genesis for the first), each hash SHA-256 of the event's canonical content
 * (as the database function audit_event_canonical renders it), and the last event the chain's
 * head (its count and hash in audit_chain). Reads in pages, in constant memory.
 */
async function verifyChain(
  dataSource: Queryable,
  head: { id: number; seq: string; head_hash: string },
  pageSize: number,
): Promise<{ checked: number; broken?: ChainBreak }> {
  let prev = GENESIS_HASH;
  let lastSeq = 0n;
  let lastId: string | undefined;
  let checked = 0;
  const broken = (id: string | undefined, reason: string) => ({
    checked,
    broken: { id, reason, chain: head.id },
  });
  for (;;) {
    const rows: ChainRow[] = await dataSource.query(
      `SELECT e.id::text AS id, e.seq::text AS seq, e.prev_hash, e.hash, audit_event_canonical(e) AS canonical
         FROM audit_event e WHERE e.chain = $1 AND e.seq > $2 AND e.seq <= $3 ORDER BY e.seq LIMIT $4`,
      [head.id, lastSeq.toString(), head.seq, pageSize],
    );
    for (const row of rows) {
      const seq = BigInt(row.seq);
      if (seq <= lastSeq) {
        return broken(row.id, `event number ${seq} of chain ${head.id} repeated or out of order`);
      }
      if (seq !== lastSeq + 1n) {
        const missing = seq - lastSeq - 1n;
        return broken(
          row.id,
          `${missing} event(s) missing before this one in chain ${head.id} (number ${lastSeq + 1n} to ${seq - 1n})`,
        );
      }
      if (row.prev_hash !== prev) {
        return broken(row.id, 'prev_hash does not match the previous row');
      }
      const expected = createHash('sha256').update(row.canonical, 'utf8').digest('hex');
      if (row.hash !== expected) {
        return broken(row.id, 'hash does not match the row content');
      }
      prev = row.hash;
      lastSeq = seq;
      lastId = row.id;
      checked++;
    }
    if (rows.length < pageSize) break;
  }
  if (BigInt(head.seq) !== lastSeq) {
    return broken(
      lastId,
      `chain ${head.id} ends at event number ${lastSeq}, but its head says ${head.seq}: its last events are missing`,
    );
  }
  if (head.head_hash !== prev) {
    return broken(
      lastId,
      `the last event of chain ${head.id} does not match the hash its head kept`,
    );
  }
  return { checked };
}

/**
 * Verifies every audit chain (see AuditChain). The answer names the broken event with the
 * lowest id when several chains are broken; `checked` counts the events verified before the
 * break in each chain.
 */
export async function verifyAuditChain(
  dataSource: Queryable,
  pageSize = 5000,
): Promise<AuditVerification> {
  const heads: { id: number; seq: string; head_hash: string }[] = await dataSource.query(
    `SELECT id, seq::text AS seq, head_hash FROM audit_chain ORDER BY id`,
  );
  let checked = 0;
  const breaks: ChainBreak[] = [];
  for (const head of heads) {
    const chain = await verifyChain(dataSource, head, pageSize);
    checked += chain.checked;
    if (chain.broken) breaks.push(chain.broken);
  }
  // Events outside every chain's numbering (inserted with a number its head never gave).
  const strays: { id: string; chain: number }[] = await dataSource.query(
    `SELECT e.id::text AS id, e.chain FROM audit_chain h
       CROSS JOIN LATERAL (SELECT id, chain FROM audit_event
                            WHERE chain = h.id AND seq > h.seq ORDER BY seq LIMIT 1) e`,
  );
  for (const stray of strays) {
    breaks.push({
      id: stray.id,
      reason: "numbered beyond its chain's head: inserted outside the chain",
      chain: stray.chain,
    });
  }
  if (breaks.length === 0) return { ok: true, checked };
  // The lowest id first; a chain with no event left to name after every named one.
  const order = (b: ChainBreak) => (b.id === undefined ? Infinity : Number(b.id));
  const first = breaks.sort((a, b) => order(a) - order(b))[0];
  return {
    ok: false,
    checked,
    ...(first.id === undefined ? {} : { firstBadId: first.id }),
    chain: first.chain,
    reason: first.reason,
  };
}
