import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { Booklet } from './booklet.entity';

/** The SQL of booklets and cheques, as named functions: the services keep only the rules. */

export interface BookletRows {
  programmeId: string;
  status: 'IN_STOCK' | 'ACTIVE';
  siteId: string | null;
  beneficiaryId: string | null;
  batchId: string | null;
  chequeCount: number;
  faceValueCents: number;
  replacesBookletId: string | null;
  issuedBy: string;
}

/**
 * Inserts booklets with these numbers and cover tokens (one statement, array parameters): IN_STOCK
 * at a site, or ACTIVE (handed over by their issuer at issue).
 */
export function insertBooklets(
  em: EntityManager,
  numbers: string[],
  coverTokens: string[],
  b: BookletRows,
): Promise<{ id: string; number: string }[]> {
  return queryRows(
    em,
    `INSERT INTO booklet (number, cover_token, programme_id, beneficiary_id, batch_id, status, site_id, cheque_count, face_value_cents, replaces_booklet_id, issued_by, handed_over_at, handed_over_by)
     SELECT n, t, $3::uuid, $4::uuid, $5::uuid, $6::varchar, $7::uuid, $8::int, $9::bigint, $10::uuid, $11::uuid,
            CASE WHEN $6::varchar = 'ACTIVE' THEN now() END, CASE WHEN $6::varchar = 'ACTIVE' THEN $11::uuid END
       FROM unnest($1::varchar[], $2::varchar[]) AS u(n, t)
     RETURNING id, number`,
    [
      numbers,
      coverTokens,
      b.programmeId,
      b.beneficiaryId,
      b.batchId,
      b.status,
      b.siteId,
      b.chequeCount,
      b.faceValueCents,
      b.replacesBookletId,
      b.issuedBy,
    ],
  );
}

/** Inserts ISSUED cheques: parallel arrays of booklet, position and code. */
export async function insertCheques(
  em: EntityManager,
  cheques: { bookletIds: string[]; positions: number[]; codes: string[] },
  faceValueCents: number,
): Promise<void> {
  await em.query(
    `INSERT INTO cheque (booklet_id, position, code, face_value_cents, status)
     SELECT b, p, c, $4, 'ISSUED' FROM unnest($1::uuid[], $2::int[], $3::char(14)[]) AS t(b, p, c)`,
    [cheques.bookletIds, cheques.positions, cheques.codes, faceValueCents],
  );
}

/** Reserves `count` numbers of the département's and year's series; returns the last one. */
export async function reserveBookletNumbers(
  em: EntityManager,
  departementCode: string,
  year: number,
  count: number,
): Promise<number> {
  const [{ last_seq }] = await queryRows<{ last_seq: number }>(
    em,
    `INSERT INTO booklet_counter (departement_code, year, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (departement_code, year) DO UPDATE SET last_seq = booklet_counter.last_seq + EXCLUDED.last_seq
     RETURNING last_seq`,
    [departementCode, year, count],
  );
  return last_seq;
}

export interface PrintRunRow {
  id: string;
  programme_id: string;
  booklet_count: number;
  site_id: string;
  site_name: string;
  created_at: Date;
  first_number: string;
  last_number: string;
  total: number;
}

/** Print runs, newest first, with their first and last booklet numbers (and the total count). */
export function printRuns(
  em: EntityManager,
  page: { limit: number; offset: number; id?: string },
): Promise<PrintRunRow[]> {
  return queryRows<PrintRunRow>(
    em,
    `SELECT p.id, p.programme_id, p.booklet_count, p.site_id, s.name AS site_name, p.created_at,
            (SELECT min(b.number) FROM booklet b WHERE b.batch_id = p.id) AS first_number,
            (SELECT max(b.number) FROM booklet b WHERE b.batch_id = p.id) AS last_number,
            count(*) OVER ()::int AS total
       FROM print_batch p JOIN distribution_site s ON s.id = p.site_id
      WHERE ($3::uuid IS NULL OR p.id = $3)
      ORDER BY p.created_at DESC, p.id LIMIT $1 OFFSET $2`,
    [page.limit, page.offset, page.id ?? null],
  );
}

/** A print run's booklets in number order, `size` at a time (keyset paging). */
export async function* printRunPages(
  em: EntityManager,
  batchId: string,
  size: number,
  printableOnly: boolean,
): AsyncGenerator<Booklet[]> {
  let after = '';
  for (;;) {
    const query = em
      .createQueryBuilder(Booklet, 'b')
      .where('b.batch_id = :batchId AND b.number > :after', { batchId, after })
      .orderBy('b.number', 'ASC')
      .take(size);
    if (printableOnly) query.andWhere("b.status <> 'CANCELLED'");
    const page = await query.getMany();
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1].number;
  }
}
