import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { Booklet } from './booklet.entity';

/** The SQL of booklets and cheques, as named functions: the services keep only the rules. */

export interface BookletRows {
  programmeId: string;
  beneficiaryId: string | null;
  batchId: string | null;
  chequeCount: number;
  faceValueCents: number;
  replacesBookletId: string | null;
  issuedBy: string;
}

/** Inserts ACTIVE booklets with these numbers (one statement, array parameters). */
export function insertBooklets(
  em: EntityManager,
  numbers: string[],
  b: BookletRows,
): Promise<{ id: string; number: string }[]> {
  return queryRows(
    em,
    `INSERT INTO booklet (number, programme_id, beneficiary_id, batch_id, status, cheque_count, face_value_cents, replaces_booklet_id, issued_by)
     SELECT n, $2, $3, $4, 'ACTIVE', $5, $6, $7, $8 FROM unnest($1::varchar[]) AS n
     RETURNING id, number`,
    [
      numbers,
      b.programmeId,
      b.beneficiaryId,
      b.batchId,
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
  distribution_site: string;
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
    `SELECT p.id, p.programme_id, p.booklet_count, p.distribution_site, p.created_at,
            (SELECT min(b.number) FROM booklet b WHERE b.batch_id = p.id) AS first_number,
            (SELECT max(b.number) FROM booklet b WHERE b.batch_id = p.id) AS last_number,
            count(*) OVER ()::int AS total
       FROM print_batch p WHERE ($3::uuid IS NULL OR p.id = $3)
      ORDER BY p.created_at DESC, p.id LIMIT $1 OFFSET $2`,
    [page.limit, page.offset, page.id ?? null],
  );
}

/** A print run's booklets in number order, `size` at a time (keyset paging). */
export async function* printRunPages(
  em: EntityManager,
  batchId: string,
  size: number,
  activeOnly: boolean,
): AsyncGenerator<Booklet[]> {
  let after = '';
  for (;;) {
    const query = em
      .createQueryBuilder(Booklet, 'b')
      .where('b.batch_id = :batchId AND b.number > :after', { batchId, after })
      .orderBy('b.number', 'ASC')
      .take(size);
    if (activeOnly) query.andWhere("b.status = 'ACTIVE'");
    const page = await query.getMany();
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1].number;
  }
}
